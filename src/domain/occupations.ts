// The one occupation list: skill codes used by workers, openings, the bot menus
// and imports. Loosely follows the groups of the national occupation
// classification (职业分类大典) that rural work near home draws on.
export interface Occupation {
  code: string;
  zh: string;
  en: string;
}

export const occupations: readonly Occupation[] = [
  { code: 'farming', zh: '种植', en: 'Crop farming' },
  { code: 'tea_picking', zh: '采茶制茶', en: 'Tea picking and processing' },
  { code: 'fruit_vegetable', zh: '果蔬分拣包装', en: 'Fruit and vegetable sorting' },
  { code: 'livestock', zh: '养殖', en: 'Livestock raising' },
  { code: 'forest_ranger', zh: '护林', en: 'Forest ranger' },
  { code: 'road_maintenance', zh: '道路养护', en: 'Road maintenance' },
  { code: 'cleaning', zh: '保洁', en: 'Cleaning' },
  { code: 'security', zh: '治安巡逻', en: 'Security patrol' },
  { code: 'elder_care', zh: '养老护理', en: 'Elder care' },
  { code: 'child_care', zh: '儿童看护', en: 'Child care' },
  { code: 'disability_care', zh: '残疾人照护', en: 'Disability care' },
  { code: 'cooking', zh: '烹饪', en: 'Cooking' },
  { code: 'sewing', zh: '缝纫', en: 'Sewing' },
  { code: 'embroidery', zh: '刺绣手工', en: 'Embroidery and handicraft' },
  { code: 'assembly', zh: '电子装配', en: 'Assembly work' },
  { code: 'packaging', zh: '包装', en: 'Packaging' },
  { code: 'construction', zh: '建筑施工', en: 'Construction' },
  { code: 'driving', zh: '驾驶', en: 'Driving' },
  { code: 'ecommerce', zh: '电商客服', en: 'E-commerce and customer service' },
  { code: 'sales', zh: '销售', en: 'Sales' },
  { code: 'other', zh: '其他', en: 'Other' },
];

export const occupationCodes = occupations.map((o) => o.code) as [string, ...string[]];
const known = new Set(occupationCodes);
export const isOccupationCode = (code: string) => known.has(code);
