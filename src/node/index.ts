// wasmlp/node: the Node-only entry (files). The library itself is the main entry.
export { loadMnist, type LoadMnistOptions } from './mnist.js';
export { loadModel, loadTfjs, readModelFile, readTfjs, saveModel, writeFileAtomic } from './files.js';
export { loadCsv } from './table.js';
