import { main } from './main';

// Exit as soon as the work is done: idle keep-alive sockets must not hold the runner's step.
void main().finally(() => process.exit());
