// The server's Scheduler: concurrent jobs produce exactly what each produces alone, the bounded
// queue, cancel, prefix reuse across turns, stop() with work in flight, and request errors.
#include <chrono>
#include <thread>

#include "hearth/hearth.hpp"
#include "server/scheduler.hpp"
#include "test_support.hpp"

namespace hearth::test {
namespace {

using server::Job;
using server::JobRequest;
using server::JobUpdate;
using server::Scheduler;
using server::SchedulerOptions;
using namespace std::chrono_literals;

GenerateOptions greedy(size_t n) {
    GenerateOptions g;
    g.sampling.temperature = 0;
    g.max_tokens = n;
    return g;
}

struct Collected {
    std::string text;  // every update's text, concatenated
    size_t tokens = 0;
    JobUpdate last;
};

// Reads a job to its end (fails instead of hanging after a minute).
Collected collect(Job& job) {
    Collected c;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    for (;;) {
        JobUpdate u = job.wait(100ms);
        c.text += u.text;
        c.tokens += u.new_tokens;
        if (u.done) {
            c.last = std::move(u);
            return c;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ADD_FAILURE() << "job did not finish";
            return c;
        }
    }
}

// Until the job has produced some text (it is running).
void wait_for_text(Job& job) {
    for (int i = 0; i < 600 && job.wait(100ms).text.empty(); ++i) {
    }
}

std::vector<TokenId> tokens_of(const Model& model, const std::string& text) { return model.tokenizer().encode(text, true, false); }

// Several requests at once, prompts read in chunks of 3 between decode steps: each gets exactly
// the text Session::generate gives it alone (under 16 rows per step, so the same bits), greedy
// or seeded sampling alike.
void expect_concurrent_equals_solo(const std::string& file, size_t threads) {
    const auto path = model_path(file);
    HEARTH_REQUIRE_FILE(path);
    SCOPED_TRACE(file);
    const Model model = Model::load(path, {.threads = threads});
    const std::vector<std::string> prompts = {"Once upon a time", "The little dog", "Tom and Sue went", "A big red ball", "Lily saw"};
    std::vector<GenerateOptions> options;
    for (size_t i = 0; i < prompts.size(); ++i) options.push_back(greedy(12 + 3 * i));
    options[2].sampling = SamplerOptions{.temperature = 0.8f, .seed = 7};

    std::vector<GenerateResult> solo;
    for (size_t i = 0; i < prompts.size(); ++i) {
        Session s(model, {.n_ctx = 64});
        solo.push_back(s.generate(std::span<const TokenId>(tokens_of(model, prompts[i])), options[i]));
    }
    Scheduler scheduler(model, {.n_parallel = 3, .n_ctx = 64, .queue_capacity = 4, .prompt_chunk = 3});
    std::vector<std::shared_ptr<Job>> jobs;
    for (size_t i = 0; i < prompts.size(); ++i) {
        jobs.push_back(scheduler.submit({tokens_of(model, prompts[i]), options[i]}));
        ASSERT_NE(jobs.back(), nullptr);
    }
    for (size_t i = 0; i < prompts.size(); ++i) {
        const Collected c = collect(*jobs[i]);
        EXPECT_EQ(c.text, solo[i].text) << prompts[i];
        EXPECT_EQ(c.last.result.text, solo[i].text);
        EXPECT_EQ(c.last.result.tokens, solo[i].tokens);
        EXPECT_EQ(c.last.result.stop_reason, solo[i].stop_reason);
        EXPECT_EQ(c.tokens, solo[i].tokens.size());
        EXPECT_EQ(c.last.result.prompt_tokens, solo[i].prompt_tokens);
        EXPECT_TRUE(c.last.error.empty()) << c.last.error;
    }
}

TEST(Scheduler, ConcurrentJobsGiveTheirSoloText) {
    expect_concurrent_equals_solo("stories260K.gguf", 1);
    expect_concurrent_equals_solo("tiny-llama3-q4_0.gguf", 2);
}

TEST(Scheduler, FullQueueRefusesAndCancelFreesTheSlot) {
    const auto path = model_path("tiny-llama3-q4_0.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    Scheduler scheduler(model, {.n_parallel = 1, .n_ctx = 2048, .queue_capacity = 1});
    const std::vector<TokenId> prompt = tokens_of(model, "hello there");
    auto first = scheduler.submit({prompt, greedy(2000)});   // runs for seconds
    auto second = scheduler.submit({prompt, greedy(2000)});  // waits in the queue
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(scheduler.submit({prompt, greedy(4)}), nullptr);  // slot busy, queue full
    EXPECT_EQ(scheduler.health().queue_capacity, 1u);
    EXPECT_EQ(scheduler.health().slots_busy + scheduler.health().queued, 2u);

    second->cancel();  // a queued job ends without running
    const Collected c2 = collect(*second);
    EXPECT_EQ(c2.last.result.stop_reason, StopReason::callback);
    EXPECT_EQ(c2.tokens, 0u);

    wait_for_text(*first);
    first->cancel();  // a running one ends at the next step and frees its slot
    const Collected c1 = collect(*first);
    EXPECT_EQ(c1.last.result.stop_reason, StopReason::callback);
    EXPECT_LT(c1.last.result.tokens.size(), 2000u);
    EXPECT_EQ(scheduler.health().slots_busy, 0u);
    EXPECT_EQ(scheduler.health().slots_idle, 1u);

    auto third = scheduler.submit({prompt, greedy(3)});
    ASSERT_NE(third, nullptr);
    EXPECT_EQ(collect(*third).last.result.stop_reason, StopReason::max_tokens);
}

TEST(Scheduler, NextTurnReusesTheSlotsCache) {
    const auto path = model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    const std::vector<TokenId> turn1 = tokens_of(model, "Once upon a time");
    Scheduler scheduler(model, {.n_parallel = 2, .n_ctx = 256, .prompt_chunk = 4});
    // Another conversation holds one slot while turn 1 runs, so turn 1 lands in the empty slot
    // (were the other one idle, its cache would share the BOS and win); after it, both slots have a
    // cache and turn 2 must find its own.
    auto other = scheduler.submit({tokens_of(model, "The cat"), greedy(100000)});
    wait_for_text(*other);
    const Collected first = collect(*scheduler.submit({turn1, greedy(8)}));
    other->cancel();
    collect(*other);
    EXPECT_EQ(first.last.result.reused_tokens, 0u);

    std::vector<TokenId> turn2 = turn1;
    turn2.insert(turn2.end(), first.last.result.tokens.begin(), first.last.result.tokens.end());
    const std::vector<TokenId> more = model.tokenizer().encode(" The end.", false, false);
    turn2.insert(turn2.end(), more.begin(), more.end());
    const Collected second = collect(*scheduler.submit({turn2, greedy(8)}));
    EXPECT_GE(second.last.result.reused_tokens, turn1.size());
    EXPECT_EQ(second.last.result.prompt_tokens, turn2.size());

    Session fresh(model, {.n_ctx = 256});
    EXPECT_EQ(second.last.result.tokens, fresh.generate(std::span<const TokenId>(turn2), greedy(8)).tokens);
}

TEST(Scheduler, StopEndsEveryJob) {
    const auto path = model_path("tiny-llama3-q4_0.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 2});
    Scheduler scheduler(model, {.n_parallel = 2, .n_ctx = 2048, .queue_capacity = 4});
    std::vector<std::shared_ptr<Job>> jobs;
    for (int i = 0; i < 4; ++i) jobs.push_back(scheduler.submit({tokens_of(model, "hello " + std::to_string(i)), greedy(2000)}));
    wait_for_text(*jobs[0]);
    scheduler.stop();
    for (auto& job : jobs) {
        ASSERT_NE(job, nullptr);
        const Collected c = collect(*job);
        EXPECT_TRUE(c.last.done);
        EXPECT_EQ(c.last.result.stop_reason, StopReason::callback);
    }
    EXPECT_EQ(scheduler.submit({tokens_of(model, "late"), greedy(2)}), nullptr);
    scheduler.stop();  // idempotent
}

TEST(Scheduler, ContextLimitsAndBadRequests) {
    const auto path = model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    Scheduler scheduler(model, {.n_parallel = 1, .n_ctx = 16});
    EXPECT_EQ(scheduler.health().n_ctx, 16u);
    auto code_of = [&](JobRequest r) { return error_code_of([&] { scheduler.submit(std::move(r)); }); };
    EXPECT_EQ(code_of({std::vector<TokenId>(16, 5), greedy(4)}), ErrorCode::context_full);
    EXPECT_EQ(code_of({{}, greedy(4)}), ErrorCode::invalid_argument);
    EXPECT_EQ(code_of({{1, 512}, greedy(4)}), ErrorCode::invalid_argument);

    // A generation that fills the slot's context ends with context_full, like Session::generate.
    const std::vector<TokenId> prompt = tokens_of(model, "Once upon a time there was");
    const Collected c = collect(*scheduler.submit({prompt, greedy(100)}));
    Session s(model, {.n_ctx = 16});
    const GenerateResult solo = s.generate(std::span<const TokenId>(prompt), greedy(100));
    EXPECT_EQ(solo.stop_reason, StopReason::context_full);
    EXPECT_EQ(c.last.result.stop_reason, StopReason::context_full);
    EXPECT_EQ(c.last.result.tokens, solo.tokens);
    EXPECT_EQ(c.text, solo.text);

    EXPECT_EQ(collect(*scheduler.submit({prompt, greedy(0)})).last.result.tokens.size(), 0u);
}

}  // namespace
}  // namespace hearth::test
