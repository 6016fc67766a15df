import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

// Options are built per request: they read the environment (sandbox or real
// providers) and the auth secret, which tests and the e2e server set at start.
type Context = { params: Promise<{ nextauth: string[] }> };

async function handler(request: Request, context: Context) {
  return NextAuth(request as never, { params: await context.params } as never, authOptions());
}

export { handler as GET, handler as POST };
