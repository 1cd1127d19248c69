import { main } from './main';

// The runner starts this on Node 24; on an older local Node (act, the sandbox) the SDK
// warns
// about its future releases, which says nothing about this bundle's pinned SDK: keep
// logs clean.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Exit as soon as the work is done: idle keep-alive sockets must not hold the runner's
// step.
void main().finally(() => process.exit());
