// The library version written into model files (test/io.test.ts checks it against package.json).
export const VERSION = '0.1.0';
