import { installJobs } from "@/inngest";

// Integration tests run like the app: wired through the composition root, so a
// dispatch reaches the inline driver and its real handlers. A test that wants to see
// hand-offs instead installs its own sender (installJobSender) and puts this one back.
installJobs();
