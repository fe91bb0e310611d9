import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { rng } from '../../testing/random.js';
import {
  CREDIT_CODE_ALPHABET,
  creditCodeCheckChar,
  creditCodeProblem,
  isValidCreditCode,
  isValidOrgCode,
  isValidResidentId,
  maskAddress,
  maskIdNumber,
  maskName,
  maskPhone,
  orgCodeCheckChar,
  residentIdBirthDate,
  residentIdProblem,
} from './identity.js';
import { creditCodeSchema, refineCreditCode, refineResidentId, residentIdSchema } from './identity.schema.js';

// Reference implementations written from the standards' formulas (not the module's tables), so the tests check
// the module against an independent computation.
function referenceIdCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (2 ** (17 - i) % 11);
  const c = (12 - (sum % 11)) % 11;
  return c === 10 ? 'X' : String(c);
}
function referenceCreditCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CREDIT_CODE_ALPHABET.indexOf(first17[i]) * (3 ** i % 31);
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31];
}
// GB 11714-1997: digits and the full Latin alphabet valued by position (A=10 … Z=35), weights 2^(8-i) mod 11,
// C9 = 11 - (Σ mod 11), 10 → X, 11 → 0.
function referenceOrgCheck(body8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(body8[i], 36) * (2 ** (8 - i) % 11);
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

// Generated examples (src/testing/random.ts: the same on every run).
const REGIONS = ['350102', '350203', '350206', '110101', '310104', '440305', '510107', '650102'];
function makeResidentId(r: () => number): string {
  const region = REGIONS[Math.floor(r() * REGIONS.length)];
  const d = new Date(Date.UTC(1930, 0, 1) + Math.floor(r() * 90 * 365) * 86400000);
  const birth = d.toISOString().slice(0, 10).replaceAll('-', '');
  const seq = String(Math.floor(r() * 1000)).padStart(3, '0');
  const first17 = region + birth + seq;
  return first17 + referenceIdCheck(first17);
}
function makeCreditCode(r: () => number): string {
  const pick = () => CREDIT_CODE_ALPHABET[Math.floor(r() * 31)];
  const first17 = ['9', '1', '5', '1', '1'][Math.floor(r() * 5)] + pick() + REGIONS[Math.floor(r() * 8)];
  let body = first17;
  while (body.length < 16) body += pick();
  body += referenceOrgCheck(body.slice(8, 16));
  return body + referenceCreditCheck(body);
}

describe('resident identity number (GB 11643-1999)', () => {
  test('the examples printed in the standard are valid', () => {
    assert.equal(isValidResidentId('11010519491231002X'), true);
    assert.equal(isValidResidentId('440524188001010014'), true);
    assert.equal(isValidResidentId('11010519491231002x'), true, 'a lower-case x is accepted');
  });

  test('200 generated numbers with a computed check character are valid, and every other check character is not', () => {
    const r = rng(11643);
    for (let i = 0; i < 200; i++) {
      const id = makeResidentId(r);
      assert.equal(residentIdProblem(id), null, id);
      for (const wrong of '0123456789X') {
        if (wrong === id[17]) continue;
        assert.equal(residentIdProblem(id.slice(0, 17) + wrong), 'checksum', id.slice(0, 17) + wrong);
      }
    }
  });

  test('a single mistyped digit is caught by the check character', () => {
    const r = rng(7);
    for (let i = 0; i < 100; i++) {
      const id = makeResidentId(r);
      const pos = 14 + Math.floor(r() * 3); // the sequence digits: the birth date stays valid
      const digit = (Number(id[pos]) + 1 + Math.floor(r() * 9)) % 10;
      const typo = id.slice(0, pos) + digit + id.slice(pos + 1);
      assert.equal(residentIdProblem(typo), 'checksum', `${id} → ${typo}`);
    }
  });

  test('shape, region and birth date are checked before the check character', () => {
    const valid = (first17: string) => first17 + referenceIdCheck(first17);
    assert.equal(residentIdProblem('35010219900101123'), 'format');
    assert.equal(residentIdProblem('3501021990010112345'), 'format');
    assert.equal(residentIdProblem('35010219900101123A'), 'format');
    assert.equal(residentIdProblem(valid('99010219900101123')), 'region', 'no province 99');
    assert.equal(residentIdProblem(valid('35000019900101123')), 'region', 'a province without a division');
    assert.equal(residentIdProblem(valid('35010219900230123')), 'birth_date', '30 February');
    assert.equal(residentIdProblem(valid('35010219901301123')), 'birth_date', 'month 13');
    assert.equal(residentIdProblem(valid('35010218000101123')), 'birth_date', 'before 1850');
    assert.equal(residentIdProblem(valid('35010220000229123')), null, '29 February 2000 existed');
    assert.equal(residentIdProblem(valid('35010219000229123')), 'birth_date', '1900 was not a leap year');
    const today = new Date('2026-11-26T00:00:00Z');
    assert.equal(residentIdProblem(valid('35010220261127123'), { today }), 'birth_date', 'born tomorrow');
    assert.equal(residentIdProblem(valid('35010220261126123'), { today }), null, 'born today');
  });

  test('the birth date is read from a valid number only', () => {
    assert.equal(residentIdBirthDate('11010519491231002X'), '1949-12-31');
    assert.equal(residentIdBirthDate('110105194912310021'), null);
  });
});

describe('unified social credit code (GB 32100-2015)', () => {
  test('the alphabet has the 31 characters of the standard, without I, O, S, V, Z', () => {
    assert.equal(CREDIT_CODE_ALPHABET.length, 31);
    for (const ch of 'IOSVZ') assert.equal(CREDIT_CODE_ALPHABET.includes(ch), false, ch);
  });

  test('200 generated codes with a computed check character are valid, and every other check character is not', () => {
    const r = rng(32100);
    for (let i = 0; i < 200; i++) {
      const code = makeCreditCode(r);
      assert.equal(creditCodeProblem(code), null, code);
      for (const wrong of CREDIT_CODE_ALPHABET) {
        if (wrong === code[17]) continue;
        assert.equal(creditCodeProblem(code.slice(0, 17) + wrong), 'checksum');
      }
      assert.equal(isValidCreditCode(code.toLowerCase()), true, 'lower case is normalised');
    }
  });

  test('a swap of two adjacent different characters is caught', () => {
    const r = rng(99);
    let tried = 0;
    for (let i = 0; i < 200; i++) {
      const code = makeCreditCode(r);
      const pos = 8 + Math.floor(r() * 8);
      if (code[pos] === code[pos + 1]) continue;
      const swapped = code.slice(0, pos) + code[pos + 1] + code[pos] + code.slice(pos + 2);
      assert.equal(creditCodeProblem(swapped), 'checksum', `${code} → ${swapped}`);
      tried++;
    }
    assert.ok(tried > 150);
  });

  test('characters outside the alphabet, wrong lengths and a non-numeric division code are refused', () => {
    const body = `91350203${'MA2Y0000'}`;
    const withCheck = (first17: string) => first17 + referenceCreditCheck(first17);
    assert.equal(creditCodeProblem(withCheck(`${body}1`)), null);
    assert.equal(creditCodeProblem(`${body}1`), 'format', '17 characters');
    assert.equal(creditCodeProblem(`91350203MA2Y0000I1`), 'format', 'I is not in the alphabet');
    assert.equal(creditCodeProblem(withCheck('9135A203MA2Y00001')), 'region');
  });
});

describe('the organization code inside a credit code (GB 11714-1997, positions 9–17)', () => {
  test('check characters worked by hand, including the X and 0 cases', () => {
    // 1·3+2·7+3·9+4·10+5·5+6·8+7·4+8·2 = 201; 201 mod 11 = 3; 11 − 3 = 8
    assert.equal(orgCodeCheckChar('12345678'), '8');
    // M=22, A=10: 22·3+10·7+2·9+34·10 (Y) = 494; 494 mod 11 = 10; 11 − 10 = 1
    assert.equal(orgCodeCheckChar('MA2Y0000'), '1');
    assert.equal(orgCodeCheckChar('00000006'), 'X', '6·2 = 12; 12 mod 11 = 1; 11 − 1 = 10 → X');
    assert.equal(orgCodeCheckChar('00000000'), '0', 'Σ = 0 → 11 → 0');
    assert.equal(isValidOrgCode('MA2Y0000-1'), true);
    assert.equal(isValidOrgCode('MA2Y00001'), true);
    assert.equal(isValidOrgCode('MA2Y0000-2'), false);
    assert.equal(isValidOrgCode('00000006-X'), true);
  });

  test('the example printed in GB 32100-2015 is valid inside and out', () => {
    assert.equal(orgCodeCheckChar('M000100Y'), '4');
    assert.equal(creditCodeProblem('91350100M000100Y43'), null);
  });

  test('real-shaped codes: right inside and out is valid; a wrong inner check with a right outer one is refused', () => {
    const first17 = `91350200MA2Y0000${referenceOrgCheck('MA2Y0000')}`;
    assert.equal(first17.slice(8), 'MA2Y00001');
    assert.equal(creditCodeProblem(first17 + referenceCreditCheck(first17)), null);
    for (const wrong of '023456789X') {
      const bad17 = `91350200MA2Y0000${wrong}`;
      assert.equal(creditCodeProblem(bad17 + referenceCreditCheck(bad17)), 'org_checksum', bad17);
    }
    // 913501000000000152: 00000001 → Σ = 2 → check 9, not 5; its outer check character is right.
    assert.equal(creditCodeCheckChar('91350100000000015'), '2');
    assert.equal(creditCodeProblem('913501000000000152'), 'org_checksum');
    assert.equal(creditCodeProblem('91350100000000019E'), null, 'the same code with the right inner check');
  });

  test('200 generated codes: every other inner check character is refused, even with a recomputed outer one', () => {
    const r = rng(11714);
    for (let i = 0; i < 200; i++) {
      const code = makeCreditCode(r);
      assert.equal(creditCodeProblem(code), null, code);
      for (const wrong of '0123456789X') {
        if (wrong === code[16]) continue;
        const bad17 = code.slice(0, 16) + wrong;
        assert.equal(creditCodeProblem(bad17 + referenceCreditCheck(bad17)), 'org_checksum', bad17);
      }
    }
  });
});

describe('zod refinements', () => {
  const schema = z
    .object({ idType: z.enum(['resident_id', 'passport']), idNumber: z.string(), creditCode: z.string() })
    .superRefine((v, ctx) => {
      if (v.idType === 'resident_id') refineResidentId(v.idNumber, ctx, {}, ['idNumber']);
      if (v.creditCode) refineCreditCode(v.creditCode, ctx, ['creditCode']);
    });

  test('a wrong check character gives a Chinese message on the field', () => {
    const r = schema.safeParse({ idType: 'resident_id', idNumber: '110105194912310021', creditCode: '' });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0].path, ['idNumber']);
    assert.match(r.error?.issues[0].message ?? '', /校验位/);
  });

  test('an organization code that does not check gives its own message', () => {
    const r = schema.safeParse({ idType: 'passport', idNumber: 'E12345678', creditCode: '913501000000000152' });
    assert.equal(r.success, false);
    assert.match(r.error?.issues[0].message ?? '', /第9至17位（组织机构代码）的校验位不正确/);
  });

  test('a passport number is not checked as a resident id; a bad credit code is', () => {
    const r = schema.safeParse({ idType: 'passport', idNumber: 'E12345678', creditCode: '91350203MA2Y000011' });
    assert.equal(r.success, creditCodeProblem('91350203MA2Y000011') === null);
    if (!r.success) assert.deepEqual(r.error.issues[0].path, ['creditCode']);
  });

  test('the field schemas normalise and check', () => {
    assert.equal(residentIdSchema().parse(' 1101051949 1231002x '), '11010519491231002X');
    assert.equal(residentIdSchema().safeParse('110105194912310021').success, false);
    const code = makeCreditCode(rng(1));
    assert.equal(creditCodeSchema.parse(code.toLowerCase()), code);
    assert.equal(creditCodeSchema.safeParse(`${code.slice(0, 17)}${code[17] === '0' ? '1' : '0'}`).success, false);
  });
});

describe('masking', () => {
  test('identity numbers keep their first 4 and last 4 characters', () => {
    assert.equal(maskIdNumber('350102199001011234'), '3501**********1234');
    assert.equal(maskIdNumber('11010519491231002X'), '1101**********002X');
    assert.equal(maskIdNumber('E12345678'), 'E123*5678');
    assert.equal(maskIdNumber('1234'), '**34');
    assert.equal(maskIdNumber(''), '');
  });

  test('phone numbers keep their first 3 and last 4 digits', () => {
    assert.equal(maskPhone('13812345678'), '138****5678');
    assert.equal(maskPhone('138 1234 5678'), '138****5678');
    assert.equal(maskPhone('0592-5123456'), '059****3456');
    assert.equal(maskPhone('12345'), '***45');
  });

  test('names keep the surname, compound surnames whole', () => {
    assert.equal(maskName('张三'), '张*');
    assert.equal(maskName('张三丰'), '张**');
    assert.equal(maskName('欧阳娜娜'), '欧阳**');
    assert.equal(maskName('欧阳修'), '欧阳*');
    assert.equal(maskName('王'), '王*');
    assert.equal(maskName('John Smith'), 'J*** S****');
  });

  test('addresses keep the administrative divisions only', () => {
    assert.equal(maskAddress('福建省厦门市湖里区金山街道某某路88号'), '福建省厦门市湖里区****');
    assert.equal(maskAddress('北京市朝阳区建国路1号'), '北京市朝阳区****');
    assert.equal(maskAddress('广西壮族自治区南宁市青秀区民族大道100号'), '广西壮族自治区南宁市青秀区****');
    assert.equal(maskAddress('某某路88号'), '某某****');
    for (const a of ['福建省厦门市湖里区金山街道某某路88号', '某某路88号', '北京市朝阳区建国路1号']) {
      assert.ok(!maskAddress(a).includes('88') && !maskAddress(a).includes('1号'), a);
    }
  });
});
