// How many zeros the sparse products could skip, and the Fashion-like input they are measured on.
// Pure functions of plain arrays (test/bench-sparsity.test.ts checks them on worked examples).

/**
 * Of rows × cols values (row-major; any array type), the fractions that are not zero: values
 * (`values`), groups of 4 columns of a row with a non-zero (`groups4`: what the sparse products
 * skip), and blocks of 8 (`blocks8`: a coarser grain, for comparison). A last group or block shorter than 4 or 8
 * counts as one. `rowValues` is each row's fraction of non-zero values, for a spread over rows.
 */
export function nonZeroFractions(x, rows, cols) {
  const G = Math.ceil(cols / 4),
    P = Math.ceil(cols / 8),
    rowValues = new Float64Array(rows);
  let values = 0,
    groups = 0,
    blocks = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let n = 0;
    for (let k = 0; k < cols; k++) if (x[o + k] !== 0) n++;
    for (let g = 0; g < G; g++) groups += anyNonZero(x, o + 4 * g, Math.min(4, cols - 4 * g));
    for (let b = 0; b < P; b++) blocks += anyNonZero(x, o + 8 * b, Math.min(8, cols - 8 * b));
    values += n;
    rowValues[r] = n / cols;
  }
  return { values: values / (rows * cols), groups4: groups / (rows * G), blocks8: blocks / (rows * P), rowValues };
}

const anyNonZero = (x, from, n) => {
  for (let i = 0; i < n; i++) if (x[from + i] !== 0) return 1;
  return 0;
};

/**
 * The Fashion-like transform of square images (side × side u8 pixels a row): each pixel becomes the
 * largest of the (2r + 1)² around it inside the image (a dilation, a max filter). On MNIST's
 * 60,000 training images, r = 2 (5 × 5) makes 44% of the pixels non-zero (MNIST: 19%) and 53% of
 * the groups of 4 (MNIST: 28%): strokes thickened into solid shapes, zeros left at the borders.
 */
export function dilate(images, side, r) {
  const n = side * side,
    out = new Uint8Array(images.length),
    rowMax = new Uint8Array(n);
  for (let o = 0; o < images.length; o += n) {
    // Separable: the max along each row, then along each column of those.
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) {
        let m = 0;
        for (let d = Math.max(0, x - r); d <= Math.min(side - 1, x + r); d++) m = Math.max(m, images[o + y * side + d]);
        rowMax[y * side + x] = m;
      }
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) {
        let m = 0;
        for (let d = Math.max(0, y - r); d <= Math.min(side - 1, y + r); d++) m = Math.max(m, rowMax[d * side + x]);
        out[o + y * side + x] = m;
      }
  }
  return out;
}
