/**
 * Where a JSON text goes wrong, as a person looks for it: line and column (1-based), what was expected, and
 * the line itself with a caret. JSON.parse decides whether the text is valid; jsonc-parser (run strictly:
 * no comments, no trailing commas) only locates the first problem, since V8's messages often give no
 * position at all.
 */
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';

const WORDS: Record<string, string> = {
  ValueExpected: 'a value was expected',
  PropertyNameExpected: 'a key in double quotes was expected',
  ColonExpected: 'a ":" was expected after the key',
  CommaExpected: 'a "," was expected',
  CloseBraceExpected: 'a "}" was expected (an object is not closed)',
  CloseBracketExpected: 'a "]" was expected (a list is not closed)',
  EndOfFileExpected: 'the JSON has ended, but more text follows',
  InvalidSymbol: 'an unexpected character',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfNumber: 'a number is cut short',
  InvalidUnicode: 'an invalid \\u escape',
  InvalidEscapeCharacter: 'an invalid escape in a string',
  InvalidCharacter: 'a tab or line break inside a string must be escaped',
  InvalidNumberFormat: 'an invalid number',
};

export interface JsonProblem {
  line: number;
  column: number;
  message: string;
}

/** The first problem of a text that JSON.parse refused. */
export function locateJsonError(text: string, fallback: string): JsonProblem {
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  const offset = first?.offset ?? positionIn(fallback) ?? 0;
  const code = first ? printParseErrorCode(first.error) : undefined;
  let what = code ? (WORDS[code] ?? code) : fallback;
  if (text.charCodeAt(0) === 0xfeff && offset === 0)
    what = 'the file starts with a byte order mark (save it as UTF-8 without BOM)';
  else if (/^[}\]]/.test(text.slice(offset)) && /,\s*$/.test(text.slice(0, offset))) {
    what = 'a trailing comma (JSON allows none before a closing bracket)';
  } else if (text.trim() === '') what = 'the file is empty';
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = offset - lineStart + 1;
  const lineText = text.slice(lineStart).split('\n')[0] ?? '';
  const caret = `${' '.repeat(Math.max(0, column - 1))}^`;
  return { line, column, message: `${what}\n      ${lineText}\n      ${caret}` };
}

function positionIn(message: string): number | undefined {
  const match = / at position (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}
