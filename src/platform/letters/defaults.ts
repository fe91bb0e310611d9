/**
 * The district's default reply-letter templates, one per outcome group of table 三. Agencies edit their own
 * copies; these are what a fresh installation answers with. Wording follows the common practice of reply letters
 * under the 政府信息公开条例 (2019); {{答复内容}} carries the officer's own words for the case and {{法律依据}}
 * the article(s) of the outcome chosen.
 */

/** The outcome groups of table 三 (same codes as the requests module's OutcomeGroup). */
export type LetterOutcomeGroup = 'granted' | 'partial' | 'withheld' | 'unavailable' | 'not_processed' | 'other';

export const LETTER_OUTCOME_GROUPS: readonly { group: LetterOutcomeGroup; label: string }[] = [
  { group: 'granted', label: '予以公开' },
  { group: 'partial', label: '部分公开' },
  { group: 'withheld', label: '不予公开' },
  { group: 'unavailable', label: '无法提供' },
  { group: 'not_processed', label: '不予处理' },
  { group: 'other', label: '其他处理' },
];

export const DEFAULT_LETTER_TITLE = '政府信息公开申请答复告知书';

const OPENING =
  '本机关于{{申请日期}}收到您提交的政府信息公开申请（受理编号：{{受理编号}}），申请获取“{{申请内容}}”。经审查，现答复如下：';

export const DEFAULT_LETTER_TEMPLATES: Record<LetterOutcomeGroup, string> = {
  granted: [
    '{{申请人}}：',
    OPENING,
    '您申请获取的政府信息属于公开范围。根据{{法律依据}}的规定，本机关决定予以公开，现按您要求的形式提供（见所附文件）。',
    '{{答复内容}}',
    '{{救济途径}}',
  ].join('\n'),
  partial: [
    '{{申请人}}：',
    OPENING,
    '您申请获取的政府信息中含有不应当公开的内容，但能够作区分处理。根据{{法律依据}}的规定，本机关对可以公开的部分予以公开（见所附文件），对不予公开的部分说明理由如下：',
    '{{答复内容}}',
    '{{救济途径}}',
  ].join('\n'),
  withheld: [
    '{{申请人}}：',
    OPENING,
    '经审查，您申请获取的政府信息属于不予公开的范围，理由如下：',
    '{{答复内容}}',
    '根据{{法律依据}}的规定，本机关决定不予公开。',
    '{{救济途径}}',
  ].join('\n'),
  unavailable: [
    '{{申请人}}：',
    OPENING,
    '{{答复内容}}',
    '根据{{法律依据}}的规定，本机关无法提供您申请获取的政府信息。',
    '{{救济途径}}',
  ].join('\n'),
  not_processed: [
    '{{申请人}}：',
    OPENING,
    '{{答复内容}}',
    '根据{{法律依据}}的规定，本机关对您的申请不予处理。',
    '{{救济途径}}',
  ].join('\n'),
  other: [
    '{{申请人}}：',
    OPENING,
    '{{答复内容}}',
    '根据{{法律依据}}的规定，本机关不再处理您的政府信息公开申请。',
    '{{救济途径}}',
  ].join('\n'),
};
