// sigwait-based signal handling (see signal_watcher.hpp).
#include "server/signal_watcher.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>

namespace hearth::server {

namespace {

// SIGUSR1 is how the destructor wakes the watcher when no signal came.
sigset_t watched_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    return set;
}

}  // namespace

SignalWatcher::SignalWatcher() {
    const sigset_t set = watched_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    thread_ = std::thread([this] { watch(); });
}

SignalWatcher::~SignalWatcher() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        quitting_ = true;
    }
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
}

void SignalWatcher::on_signal(std::function<void()> action) {
    std::lock_guard<std::mutex> lock(mutex_);
    action_ = std::move(action);
}

void SignalWatcher::watch() {
    const sigset_t set = watched_signals();
    while (true) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) continue;
        std::function<void()> action;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (quitting_) return;
            if (sig == SIGUSR1) continue;
            action = action_;
        }
        if (!action) std::_Exit(130);  // still loading: nothing to finish
        std::fprintf(stderr, "\n[hearth] %s: stopping\n", sig == SIGINT ? "interrupted" : "terminated");
        action();
        return;  // one stop is enough; a second signal stays pending until exit
    }
}

}  // namespace hearth::server
