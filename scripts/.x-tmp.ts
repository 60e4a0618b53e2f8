import { performance } from 'node:perf_hooks';
import { readXlsx, writeXlsx } from '../src/lib/xlsx.js';
const rows = Array.from({ length: 100000 }, (_, i) => [`5325P${i}`, `5325H${i % 40000}`, `李${i}`, '男', '532500199001011234', 13000000000 + i, '是', '否', '', '种植、缝纫']);
let t = performance.now();
const data = writeXlsx([{ name: 'x', header: ['a','b','c','d','e','f','g','h','i','j'], rows }]);
console.log('write', ((performance.now() - t) / 1000).toFixed(2), data.length);
t = performance.now();
const back = readXlsx(data);
console.log('read', ((performance.now() - t) / 1000).toFixed(2), back[0]!.rows.length);
