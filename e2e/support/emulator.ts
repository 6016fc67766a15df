// The e2e server's emulator (scripts/e2e-server.mjs starts it on E2E_EMULATOR_PORT),
// driven through its typed control client.
import { EmulatorControl } from "../emulator/client";

export const EMULATOR_URL = `http://localhost:${process.env.E2E_EMULATOR_PORT ?? 4510}`;

export function emulator(): EmulatorControl {
  return new EmulatorControl(EMULATOR_URL);
}
