import type { Io, OutputStream } from "@/scripts/cli/command";

/** An Io whose streams remember what was written: what a person would have seen. */
export interface CapturedIo extends Io {
  stdout: OutputStream & { text: string };
  stderr: OutputStream & { text: string };
}

export function captureIo(options: { tty?: boolean } = {}): CapturedIo {
  const stream = () => {
    const captured = {
      text: "",
      isTTY: options.tty ?? false,
      write(chunk: string) {
        captured.text += chunk;
        return true;
      },
    };
    return captured;
  };
  return { stdout: stream(), stderr: stream() };
}
