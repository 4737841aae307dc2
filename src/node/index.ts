// wasmlp/node: the Node-only entry (file loading). The library itself is the main entry.
export { loadMnist, type LoadMnistOptions } from './mnist.js';
