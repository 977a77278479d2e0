// Ctrl-C / SIGTERM handling for the server without work in a signal handler: the signals are
// blocked in every thread and one watcher thread receives them with sigwait, then runs the
// registered stop action on an ordinary thread.
#pragma once

#include <functional>
#include <mutex>
#include <thread>

namespace hearth::server {

class SignalWatcher {
public:
    // Blocks SIGINT and SIGTERM for the calling thread and every thread it starts afterwards:
    // construct before anything starts threads (the model's pool, the scheduler, httplib).
    SignalWatcher();
    ~SignalWatcher();  // ends the watcher thread
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

    // What a signal does from now on. Before one is set (while the model loads) a signal ends
    // the process at once with status 130, as an unhandled Ctrl-C would.
    void on_signal(std::function<void()> action);

private:
    void watch();
    std::mutex mutex_;
    std::function<void()> action_;
    bool quitting_ = false;
    std::thread thread_;
};

}  // namespace hearth::server
