// Stop signals for the long-running roles. A server verb calls `block_stop_signals()` first
// (before it starts any thread, so every thread inherits the mask), starts its role, then
// `wait_for_stop_signal()` and shuts down in order. Child processes get the default
// dispositions back (sys::Process resets the mask), so Ctrl-C in a terminal still reaches them
// only through the role's own cancel path.
#pragma once

namespace lab::sys {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and threads it starts later), and
// resets them to their default action if they were ignored (as under `nohup` or `&` in sh).
void block_stop_signals();

// Waits until SIGINT, SIGTERM or SIGHUP arrives and returns its number.
// REQUIRES: block_stop_signals() was called in this thread.
int wait_for_stop_signal();

}  // namespace lab::sys
