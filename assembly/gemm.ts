// f32 GEMM in the three shapes backprop needs. All matrices are row-major; pointers are byte
// offsets. Every variant computes
//   C[M×N] = alpha · op(A)·op(B) + beta · C + bias      (bias: N floats broadcast over rows, or 0)
// and never reads C when beta == 0 (C may hold garbage, even NaN).
//   gemmNT: A is M×K, B is N×K  → A·Bᵀ   (forward: Z = A_prev·Wᵀ + b)
//   gemmNN: A is M×K, B is K×N  → A·B    (BP2: Δ·W)
//   gemmTN: A is K×M, B is K×N  → Aᵀ·B   (BP4: Δᵀ·A_prev)

// C[i,j] = alpha·acc + beta·C[i,j] + bias[j]: the shared scalar epilogue.
@inline function store1(c: usize, bias: usize, j: i32, acc: f32, alpha: f32, beta: f32): void {
  let v = alpha * acc;
  if (beta != 0) v += beta * load<f32>(c);
  if (bias) v += load<f32>(bias + (<usize>j << 2));
  store<f32>(c, v);
}

export function gemmNT(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32): void {
  for (let i = 0; i < M; i++) {
    const ai = a + (<usize>(i * K) << 2);
    for (let j = 0; j < N; j++) {
      const bj = b + (<usize>(j * K) << 2);
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) acc += load<f32>(ai + (<usize>k << 2)) * load<f32>(bj + (<usize>k << 2));
      store1(c + (<usize>(i * N + j) << 2), bias, j, acc, alpha, beta);
    }
  }
}

export function gemmNN(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) acc += load<f32>(a + (<usize>(i * K + k) << 2)) * load<f32>(b + (<usize>(k * N + j) << 2));
      store1(c + (<usize>(i * N + j) << 2), bias, j, acc, alpha, beta);
    }
  }
}

export function gemmTN(c: usize, a: usize, b: usize, bias: usize, M: i32, N: i32, K: i32, alpha: f32, beta: f32): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) acc += load<f32>(a + (<usize>(k * M + i) << 2)) * load<f32>(b + (<usize>(k * N + j) << 2));
      store1(c + (<usize>(i * N + j) << 2), bias, j, acc, alpha, beta);
    }
  }
}
