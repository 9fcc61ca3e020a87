/** "1 log line", "1,234 log lines" (the nouns here all take an s). */
export const counted = (n: number, noun: string) => `${n.toLocaleString('en')} ${n === 1 ? noun : `${noun}s`}`;
