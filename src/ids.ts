// Kernel ids: the one table both sides read. assembly/ compiles this file as AssemblyScript and
// src/ as TypeScript, so it holds integer constants only (no types, no imports).

// Activations (assembly/activation.ts, src/activations.ts, src/reference/).
export const IDENTITY = 0;
export const STEP = 1;
export const SIGMOID = 2;
export const TANH = 3;
export const RELU = 4;
export const LEAKY_RELU = 5;
export const ELU = 6;
export const SOFTPLUS = 7;
export const SOFTMAX = 8;

// Losses (assembly/loss.ts, src/losses.ts).
export const MSE = 0;
export const CE = 1;
export const BCE = 2;

// Program operations: the ids of the op table's ops (src/ops.ts says what each record holds and
// how it splits), one record per kernel call of OP_WORDS f64 words.
export const OP_WORDS = 16;
export const OP_GATHER_U8 = 1;
export const OP_GATHER_F32 = 2;
export const OP_GATHER_TARGETS = 3;
export const OP_GEMM_NT = 4;
export const OP_GEMM_NN = 5;
export const OP_GEMM_TN = 6;
export const OP_ACTIVATE = 7;
export const OP_MUL_DERIVATIVE = 8;
export const OP_LOSS_DELTA = 9;
export const OP_BIAS_GRAD = 10;
export const OP_SGD = 11;
export const OP_MOMENTUM = 12;
export const OP_ADAM = 13;
export const OP_COUNT_CORRECT = 14;
export const OP_ARGMAX_ROWS = 15;
export const OP_DIAG_FORWARD = 16;
export const OP_ABS_SUM = 17;
export const OP_DROPOUT = 18;
export const OP_SCALE = 19;
export const OP_MAX_NORM = 20;
export const OP_JOIN = 21;
export const OP_SPARSE_INDEX = 22;
export const OP_SPARSE_NT = 23;
export const OP_SPARSE_TN = 24;
export const OP_SPARSE_ROWS = 25;
/**
 * The first layer's products skip the input's all-zero groups of 4 columns (assembly/sparse.ts)
 * while at most this percentage of a batch's whole groups have a non-zero; above it they run dense
 * (the break-even measured by bench/sparse.js, rounded down: ≈ 90% for the forward and ∂C/∂W
 * with the index, the forward alone ≈ 88%).
 */
export const SPARSE_PERCENT = 80;

/** Elements per partial sum of an update's diagnostics (3 f64 each), however the update is split among threads. */
export const DIAG_CHUNK = 1024;

// The thread control block (assembly/threads.ts uses it, src/core/threads.ts allocates it, 16-byte
// aligned): every word the threads share, as i32 word indices from its start (byte offset: ×4).
// Thread 0 walks the program; a record in parts, or a run of records beside, becomes the open
// item, whose parts any thread claims.
/** i32: the open item's number, bumped by thread 0 to open the next. */
export const CTL_GEN = 0;
/** CMD_RUN or CMD_EXIT. */
export const CTL_CMD = 1;
/** i64 (words 2, 3): the item's number (high 32 bits), its next part from the front (16) and from the back (16, exclusive). */
export const CTL_CLAIM = 2;
/** i64 (words 4, 5): the item's number (high 32 bits), its parts done (low 32). */
export const CTL_DONE = 4;
/** The item: its first record, its records (a run beside: all on one part), its parts. */
export const CTL_ITEM = 6;
export const CTL_ITEM_LEN = 7;
export const CTL_PARTS = 8;
/** Set (to the failing thread + 1) when a thread trapped or went away. */
export const CTL_FAILED = 9;
/** How long to spin before waiting (0 where threads outnumber cores). */
export const CTL_SPINS = 10;
/** Where the per-thread scratch starts: SCRATCH_BYTES each, thread tid's at PANELS + tid·SCRATCH_BYTES. */
export const CTL_PANELS = 11;
/** Where thread 0 goes on after the item it returned to wait for, or (with STOPPED) what it returns then. */
export const CTL_RESUME = 12;
export const CTL_STOPPED = 13;
/** Where each thread's i32 says the last item it saw opened (after the block). */
export const CTL_SEEN = 14;
/** Where each thread's i32 count of the parts it claimed starts (after SEEN's; set to 0 from JavaScript between runs). */
export const CTL_CLAIMED = 15;
/** The block's length in i32 words (64 bytes). */
export const CTL_WORDS = 16;
export const CMD_RUN = 0;
export const CMD_EXIT = 1;
/** What a threaded run returns besides a count of records: wait later (call again with resume), or a thread failed. */
export const THREADS_WAITING = -1;
export const THREADS_FAILURE = -2;
/** gemmTN's packing panel (assembly/gemm.ts): a K block of 128 rows of a 4-column strip, as f32x4. */
export const PANEL_BYTES = 2048;
/** sparseNT's copy of 8 rows of W, group beside group (assembly/sparse.ts): inputs up to 1024 wide (wider: W read in place). */
export const PACK_BYTES = 32768;
/** One thread's scratch: the panel, then the pack. */
export const SCRATCH_BYTES = PANEL_BYTES + PACK_BYTES;
