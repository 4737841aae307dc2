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

/** Elements per partial sum of an update's diagnostics (3 f64 each), however the update is split among threads. */
export const DIAG_CHUNK = 1024;
