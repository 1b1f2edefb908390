/**
 * Passphrase policy: a real strength estimate (zxcvbn-ts: dictionaries,
 * names, keyboard patterns, dates, l33t) rather than a length rule, and an
 * explanation in terms of the escrow file's own KDF: how long an attacker
 * who stole the file would need.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { KeyholderError } from '../errors/index';
import { gpuGuessesPerSecond, PRODUCTION_KDF } from './kdf-profiles';

/** 10^14 guesses: at the escrow KDF, about 5 years on average for an attacker with 100 GPUs. */
const MIN_GUESSES_LOG10 = 14;
const MIN_LENGTH = 12;
const MAX_LENGTH = 256;
const ATTACKER_GPUS = 100;

let factory: ZxcvbnFactory | null = null;
function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  return factory;
}

let warming: Promise<void> | null = null;
/**
 * Builds the estimator ahead of the first real check: ranking the
 * dictionaries and compiling the matchers takes seconds on a busy 2-core
 * machine, about ten times one check (`npm run bench`), and would otherwise
 * land on the first person to enrol or choose a passphrase. Scheduled on a
 * later tick so the caller (a screen being shown) answers first; once per
 * process. The check itself is unchanged.
 */
export function warmPassphraseEstimator(): Promise<void> {
  warming ??= new Promise<void>((resolve) => {
    setTimeout(() => {
      estimator().check('warm the estimator: correct horse battery staple 2026', ['warm']);
      resolve();
    }, 0);
  });
  return warming;
}

export interface PassphraseStrength {
  acceptable: boolean;
  /** 0-4, for the meter. */
  score: number;
  guessesLog10: number;
  /** One sentence in the custodian's words. */
  explanation: string;
  warning: string | null;
  suggestions: string[];
}

function humanDuration(seconds: number): string {
  const units: [number, string][] = [
    [365.25 * 86400 * 1e9, 'billion years'],
    [365.25 * 86400 * 1e6, 'million years'],
    [365.25 * 86400 * 1000, 'thousand years'],
    [365.25 * 86400, 'years'],
    [86400, 'days'],
    [3600, 'hours'],
    [60, 'minutes'],
  ];
  for (const [s, name] of units) if (seconds >= s) return `about ${Math.round(seconds / s).toLocaleString('en')} ${name}`;
  return 'less than a minute';
}

/** Checks a passphrase; `context` holds words an attacker would try first (custodian names, organisation). */
export function assessPassphrase(passphrase: string, context: string[] = []): PassphraseStrength {
  if (/[\r\n\0]/.test(passphrase)) {
    return { acceptable: false, score: 0, guessesLog10: 0, explanation: 'A passphrase cannot contain line breaks: OpenSSL reads only the first line of a passphrase file.', warning: null, suggestions: [] };
  }
  // zxcvbn's cost grows with length; beyond 100 characters the estimate no longer changes the verdict.
  const r = estimator().check(passphrase.slice(0, 100), context.filter(Boolean));
  const rate = gpuGuessesPerSecond({ kind: 'scrypt', cost: PRODUCTION_KDF.escrow }) * ATTACKER_GPUS;
  const seconds = 10 ** r.guessesLog10 / 2 / rate;
  const tooShort = passphrase.length < MIN_LENGTH;
  const tooLong = passphrase.length > MAX_LENGTH;
  const acceptable = !tooShort && !tooLong && r.guessesLog10 >= MIN_GUESSES_LOG10;
  const explanation = tooShort
    ? `Use at least ${MIN_LENGTH} characters; several unrelated words are easiest to remember.`
    : tooLong
      ? `Use at most ${MAX_LENGTH} characters.`
      : `Someone who stole the escrow file and had ${ATTACKER_GPUS} graphics cards would need ${humanDuration(seconds)} on average to guess this passphrase. ` +
        (acceptable ? 'That is strong enough.' : `Key Holder asks for ${humanDuration(10 ** MIN_GUESSES_LOG10 / 2 / rate)} or more.`);
  return {
    acceptable,
    score: acceptable ? Math.max(r.score, 3) : Math.min(r.score, 2),
    guessesLog10: Math.round(r.guessesLog10 * 10) / 10,
    explanation,
    warning: r.feedback.warning,
    suggestions: r.feedback.suggestions,
  };
}

export function requireAcceptablePassphrase(passphrase: string, who: string, context: string[] = []): void {
  const s = assessPassphrase(passphrase, context);
  if (!s.acceptable) {
    throw new KeyholderError('escrow.weak_passphrase', `The passphrase for ${who} is not strong enough. ${s.explanation}`, { custodian: who });
  }
}
