// The call in progress and the page-wide flags that several modules read and write.

export const page = {
  call: null, // the call in progress, if any
  everConnected: false,
  lastCallConnected: false,
  needsLink: false, // the server has no demo secrets and this page has no join link
  micMuted: false,
  speakerMuted: false,
  interviewerNote: "", // "thinking" | "interrupted" | ""
};

/** Thrown to stop setting up a call that has since been ended or replaced. */
export class Cancelled extends Error {}

/** Throws Cancelled unless c is still the call in progress and not closing. */
export function live(c) {
  if (c !== page.call || c.closing) throw new Cancelled();
}
