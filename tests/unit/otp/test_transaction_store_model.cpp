// Model-based test of the transaction store: a reference model of the rules, written simply with
// maps in memory, and thousands of random sequences of starts, confirmations (right code, wrong
// code, another customer's transaction, an unknown one), clock steps, purges and restarts. After
// each step the store's answer, and every customer's standing and pending transfers, must equal
// the model's. A failing sequence is shrunk (steps dropped while it still fails) and printed.
//
// SC_MODEL_SEQUENCES (default 300) and SC_MODEL_STEPS (default 40) run longer; SC_MODEL_SEED
// replays a run (the seed is printed).
#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/crypto/random.hpp"
#include "common/otp/audit_log.hpp"
#include "common/otp/transaction_store.hpp"
#include "tests/unit/otp/fake_clock.hpp"
#include "tests/unit/otp/store_fixture.hpp"

using namespace sc;
using namespace sc::otp;
using namespace sc::otp::test;
using namespace std::chrono_literals;

namespace {

// ---------------------------------------------------------------------------------------------
// The reference model: the rules as plainly as they can be said.

// A model with a planted bug, to show that the harness finds and shrinks a difference.
enum class Mutation { None, SuccessKeepsCount };

class ReferenceModel {
 public:
  enum class StartAnswer { Started, Blocked, TooManyPending };

  ReferenceModel(TransactionRules rules, Mutation mutation) : rules_(rules), mutation_(mutation) {}

  StartAnswer expect_start(int customer, TimePoint now) const {
    if (blocked_until(customer, now)) return StartAnswer::Blocked;
    if (pending(customer, now).size() >= rules_.max_pending_per_customer) {
      return StartAnswer::TooManyPending;
    }
    return StartAnswer::Started;
  }

  void started(const std::string& id, const std::string& code, int customer, TimePoint now) {
    transactions_[id] = Transaction{customer, code, now + rules_.lifetime, 0, State::Pending};
  }

  std::optional<TimePoint> blocked_until(int customer, TimePoint now) const {
    const auto found = customers_.find(customer);
    if (found == customers_.end() || !found->second.blocked_until) return std::nullopt;
    if (now >= *found->second.blocked_until) return std::nullopt;  // the block is over
    return found->second.blocked_until;
  }

  ConfirmResult confirm(const std::string& id, const std::string& code, int customer,
                        TimePoint now) {
    ConfirmResult answer;
    if (const auto until = blocked_until(customer, now)) {
      answer.outcome = ConfirmOutcome::Blocked;
      answer.blocked_until = until;
      return answer;
    }
    Customer& me = customers_[customer];
    answer.customer_attempts_left = rules_.max_consecutive_failures - me.failures;
    const auto found = transactions_.find(id);
    if (found == transactions_.end() || found->second.customer != customer) {
      answer.outcome = ConfirmOutcome::UnknownTransaction;
      return answer;
    }
    Transaction& transaction = found->second;
    if (transaction.state == State::Pending && now >= transaction.expires_at) {
      transaction.state = State::Expired;
    }
    if (transaction.state == State::Used) answer.outcome = ConfirmOutcome::AlreadyUsed;
    if (transaction.state == State::Locked) answer.outcome = ConfirmOutcome::Locked;
    if (transaction.state == State::Expired) answer.outcome = ConfirmOutcome::Expired;
    if (transaction.state != State::Pending) return answer;

    if (code == transaction.code) {
      transaction.state = State::Used;
      if (mutation_ != Mutation::SuccessKeepsCount) me.failures = 0;
      answer.outcome = ConfirmOutcome::Accepted;
      answer.transaction_attempts_left = rules_.max_wrong_codes_per_transaction - transaction.wrong;
      answer.customer_attempts_left = rules_.max_consecutive_failures - me.failures;
      return answer;
    }
    answer.outcome = ConfirmOutcome::WrongCode;
    transaction.wrong += 1;
    if (transaction.wrong == rules_.max_wrong_codes_per_transaction) {
      transaction.state = State::Locked;
    }
    answer.transaction_attempts_left = rules_.max_wrong_codes_per_transaction - transaction.wrong;
    me.failures += 1;
    if (me.failures == rules_.max_consecutive_failures) {
      me.failures = 0;
      me.blocked_until = now + rules_.block_duration;
      answer.blocked_until = me.blocked_until;
      answer.customer_attempts_left = 0;
    } else {
      answer.customer_attempts_left = rules_.max_consecutive_failures - me.failures;
      answer.warn_last_attempt = answer.customer_attempts_left == 1;
    }
    return answer;
  }

  CustomerStanding standing(int customer, TimePoint now) const {
    CustomerStanding standing;
    const auto found = customers_.find(customer);
    if (found != customers_.end()) standing.consecutive_failures = found->second.failures;
    standing.blocked_until = blocked_until(customer, now);
    standing.attempts_left = standing.blocked_until
                                 ? 0
                                 : rules_.max_consecutive_failures - standing.consecutive_failures;
    return standing;
  }

  // "id expires_at attempts_left" of each pending, unexpired transfer, sorted by id.
  std::vector<std::string> pending(int customer, TimePoint now) const {
    std::vector<std::string> listed;
    for (const auto& [id, transaction] : transactions_) {
      if (transaction.customer != customer || transaction.state != State::Pending) continue;
      if (now >= transaction.expires_at) continue;
      listed.push_back(describe_pending(
          id, transaction.expires_at, rules_.max_wrong_codes_per_transaction - transaction.wrong));
    }
    return listed;  // std::map keeps them sorted by id
  }

  void purge(TimePoint now) {
    for (auto it = transactions_.begin(); it != transactions_.end();) {
      Transaction& transaction = it->second;
      if (transaction.state == State::Pending && now >= transaction.expires_at) {
        transaction.state = State::Expired;
      }
      const bool forget =
          transaction.state != State::Pending && now >= transaction.expires_at + rules_.retention;
      it = forget ? transactions_.erase(it) : std::next(it);
    }
  }

  static std::string describe_pending(const std::string& id, TimePoint expires_at,
                                      unsigned attempts_left) {
    return id + " expires " + iso8601_utc(expires_at) + " attempts-left " +
           std::to_string(attempts_left);
  }

 private:
  enum class State { Pending, Used, Locked, Expired };
  struct Transaction {
    int customer;
    std::string code;
    TimePoint expires_at;
    unsigned wrong;
    State state;
  };
  struct Customer {
    unsigned failures = 0;
    std::optional<TimePoint> blocked_until;
  };

  TransactionRules rules_;
  Mutation mutation_;
  std::map<std::string, Transaction> transactions_;
  std::map<int, Customer> customers_;
};

// ---------------------------------------------------------------------------------------------
// Sequences of steps, described without the random ids so that dropping a step keeps the rest
// meaningful: a step names a customer and the n-th transfer (modulo) it may aim at.

enum class StepKind {
  Start,
  ConfirmRight,   // the customer's own transfer, right code
  ConfirmWrong,   // the customer's own transfer, wrong code
  ConfirmOthers,  // another customer's transfer, with its right code
  ConfirmUnknown,
  Advance,
  Purge,
  Restart
};

struct Step {
  StepKind kind = StepKind::Start;
  int customer = 0;
  std::size_t target = 0;
  std::chrono::seconds advance{0};
};

using Sequence = std::vector<Step>;

std::string describe(const Step& step) {
  const std::string who = "customer " + std::to_string(step.customer);
  const std::string which = "transfer #" + std::to_string(step.target) + " from the newest";
  switch (step.kind) {
    case StepKind::Start:
      return who + " starts a transfer";
    case StepKind::ConfirmRight:
      return who + " confirms its " + which + " with the right code";
    case StepKind::ConfirmWrong:
      return who + " confirms its " + which + " with a wrong code";
    case StepKind::ConfirmOthers:
      return who + " confirms another customer's " + which + " with its right code";
    case StepKind::ConfirmUnknown:
      return who + " confirms an unknown transaction";
    case StepKind::Advance:
      return "the clock advances " + std::to_string(step.advance.count()) + " s";
    case StepKind::Purge:
      return "purge_expired";
    case StepKind::Restart:
      return "the bank restarts (store closed and reopened on the same file and key)";
  }
  return "?";
}

TransactionRules model_rules() {
  TransactionRules rules;
  rules.lifetime = 120s;
  rules.block_duration = 900s;
  rules.retention = 600s;
  rules.max_pending_per_customer = 3;  // small, so that the limit is reached often
  return rules;
}

Sequence random_sequence(std::uint64_t seed, std::size_t steps) {
  std::mt19937_64 random(seed);
  auto below = [&](std::uint64_t bound) {
    return static_cast<std::size_t>(
        std::uniform_int_distribution<std::uint64_t>(0, bound - 1)(random));
  };
  const int customers = 2 + static_cast<int>(below(2));
  // Small steps mostly; and the edges of the lifetime (120 s), retention (600 s), block (900 s).
  static const std::vector<int> advances = {1,  1,   3,   7,   7,   15,  30,  30,  60,  60,
                                            90, 119, 120, 121, 300, 600, 601, 899, 900, 901};
  Sequence sequence;
  for (std::size_t i = 0; i < steps; ++i) {
    Step step;
    const std::size_t roll = below(100);
    step.kind = roll < 22   ? StepKind::Start
                : roll < 34 ? StepKind::ConfirmRight
                : roll < 70 ? StepKind::ConfirmWrong
                : roll < 76 ? StepKind::ConfirmOthers
                : roll < 78 ? StepKind::ConfirmUnknown
                : roll < 91 ? StepKind::Advance
                : roll < 95 ? StepKind::Purge
                            : StepKind::Restart;
    step.customer = static_cast<int>(below(static_cast<std::uint64_t>(customers)));
    step.target = below(10) < 8 ? below(2) : below(8);
    step.advance = std::chrono::seconds(advances[below(advances.size())]);
    sequence.push_back(step);
  }
  return sequence;
}

// ---------------------------------------------------------------------------------------------
// Running a sequence against the store and the model side by side.

std::string fingerprint(int customer) {
  return std::string(64, static_cast<char>('a' + customer));
}

std::string describe(const ConfirmResult& result) {
  std::string text = confirm_outcome_name(result.outcome);
  text += " txn-left=" + std::to_string(result.transaction_attempts_left) +
          " customer-left=" + std::to_string(result.customer_attempts_left);
  if (result.blocked_until) text += " blocked-until=" + iso8601_utc(*result.blocked_until);
  if (result.warn_last_attempt) text += " warn-last-attempt";
  return text;
}

std::string describe(const CustomerStanding& standing) {
  std::string text = "failures=" + std::to_string(standing.consecutive_failures) +
                     " left=" + std::to_string(standing.attempts_left);
  if (standing.blocked_until) text += " blocked-until=" + iso8601_utc(*standing.blocked_until);
  return text;
}

struct RunResult {
  bool failed = false;
  std::size_t failing_step = 0;             // 0-based
  std::vector<std::string> trace;           // one line per step
  std::map<std::string, std::size_t> seen;  // how often each answer came up
};

class SequenceRun {
 public:
  SequenceRun(const Sequence& sequence, Mutation mutation)
      : sequence_(sequence),
        model_(model_rules(), mutation),
        key_(kSecretKeyBytes),
        audit_key_(kSecretKeyBytes) {
    crypto::random_fill(key_);
    crypto::random_fill(audit_key_);
    open();
  }

  RunResult run() {
    RunResult& result = result_;
    for (std::size_t i = 0; i < sequence_.size(); ++i) {
      std::string line = std::to_string(i + 1) + ". " + describe(sequence_[i]);
      std::string mismatch;
      try {
        mismatch = apply(sequence_[i], line);
        if (mismatch.empty()) mismatch = compare_views();
      } catch (const std::exception& error) {
        mismatch = std::string("the store threw: ") + error.what();
      }
      if (!mismatch.empty()) line += "\n     MISMATCH: " + mismatch;
      result.trace.push_back(line);
      if (!mismatch.empty()) {
        result.failed = true;
        result.failing_step = i;
        return result;
      }
    }
    // The audit trail written along the way must verify as one chain across every restart.
    store_.reset();
    audit_.reset();
    const AuditCheck check = verify_audit_log(folder_.audit_file(), audit_key_);
    if (!check.ok) {
      result.failed = true;
      result.failing_step = sequence_.empty() ? 0 : sequence_.size() - 1;
      result.trace.push_back("     MISMATCH: the audit chain does not verify: " + check.reason);
    }
    return result;
  }

 private:
  struct Known {
    std::string id;
    std::string code;
    int customer;
  };

  void open() {
    audit_ = std::make_unique<AuditLog>(folder_.audit_file(), audit_key_);
    store_ = std::make_unique<TransactionStore>(folder_.database(), key_, model_rules(),
                                                time_.clock(), audit_.get());
  }

  std::optional<Known> pick(int customer, std::size_t target, bool own) const {
    std::vector<const Known*> candidates;
    for (const auto& known : known_) {
      if ((known.customer == customer) == own) candidates.push_back(&known);
    }
    if (candidates.empty()) return std::nullopt;
    // Counted from the newest, which is the one most likely still pending.
    return *candidates[candidates.size() - 1 - target % candidates.size()];
  }

  // Applies one step to both; returns "" when they agree, else what differed.
  std::string apply(const Step& step, std::string& line) {
    const TimePoint now = *time_.now;
    const std::string customer = fingerprint(step.customer);
    switch (step.kind) {
      case StepKind::Start:
        return start(step.customer, now, line);
      case StepKind::ConfirmRight:
      case StepKind::ConfirmWrong:
      case StepKind::ConfirmOthers:
      case StepKind::ConfirmUnknown: {
        std::optional<Known> target;
        if (step.kind != StepKind::ConfirmUnknown) {
          target = pick(step.customer, step.target, step.kind != StepKind::ConfirmOthers);
        }
        const std::string id = target ? target->id : "T" + std::string(20, '0');
        std::string code = target ? target->code : "123456";
        if (step.kind == StepKind::ConfirmWrong) code = wrong_code(code);
        line += " [" + id + (target ? "" : ", none to aim at") + "]";
        const ConfirmResult expected = model_.confirm(id, code, step.customer, now);
        const ConfirmResult actual = store_->confirm(id, code, customer);
        line += " -> " + describe(actual);
        ++result_.seen[confirm_outcome_name(actual.outcome)];
        if (actual.warn_last_attempt) ++result_.seen["warn-last-attempt"];
        if (actual.outcome == ConfirmOutcome::WrongCode && actual.blocked_until) {
          ++result_.seen["wrong-code-that-blocks"];
        }
        if (actual.outcome == ConfirmOutcome::UnknownTransaction && target) {
          ++result_.seen["another-customers-transaction"];
        }
        if (actual == expected) return "";
        return "store answered " + describe(actual) + "; the model expects " + describe(expected);
      }
      case StepKind::Advance:
        time_.advance(step.advance);
        return "";
      case StepKind::Purge:
        model_.purge(now);
        store_->purge_expired();
        return "";
      case StepKind::Restart:
        ++result_.seen["restart"];
        store_.reset();
        audit_.reset();
        open();
        return "";
    }
    return "unknown step";
  }

  std::string start(int who, TimePoint now, std::string& line) {
    const auto expected = model_.expect_start(who, now);
    std::string actual;
    std::optional<StartedTransfer> started;
    try {
      started = store_->start(sample_transaction(), fingerprint(who));
      actual = "started";
    } catch (const CustomerBlocked& blocked) {
      actual = "blocked until " + iso8601_utc(blocked.blocked_until);
    } catch (const TooManyPendingTransfers&) {
      actual = "too many pending";
    }
    std::string wanted;
    switch (expected) {
      case ReferenceModel::StartAnswer::Started:
        wanted = "started";
        break;
      case ReferenceModel::StartAnswer::Blocked:
        wanted = "blocked until " + iso8601_utc(*model_.blocked_until(who, now));
        break;
      case ReferenceModel::StartAnswer::TooManyPending:
        wanted = "too many pending";
        break;
    }
    line += " -> " + actual;
    ++result_.seen["start: " + actual.substr(0, actual.find(" until"))];
    if (started) {
      line += " [" + started->transaction_id + "]";
      known_.push_back({started->transaction_id, started->code, who});
      if (wanted == "started") model_.started(started->transaction_id, started->code, who, now);
      if (started->expires_at != now + model_rules().lifetime) {
        return "the transfer expires at " + iso8601_utc(started->expires_at);
      }
    }
    if (actual != wanted) return "store: " + actual + "; the model expects: " + wanted;
    return "";
  }

  // Every customer's standing and pending transfers, store against model.
  std::string compare_views() const {
    const TimePoint now = *time_.now;
    for (int customer = 0; customer < 3; ++customer) {
      const CustomerStanding actual = store_->standing(fingerprint(customer));
      const CustomerStanding expected = model_.standing(customer, now);
      if (!(actual == expected)) {
        return "standing of customer " + std::to_string(customer) + ": store " + describe(actual) +
               "; model " + describe(expected);
      }
      std::vector<std::string> pending;
      for (const auto& transfer : store_->pending_for(fingerprint(customer))) {
        pending.push_back(ReferenceModel::describe_pending(
            transfer.transaction_id, transfer.expires_at, transfer.attempts_left));
      }
      std::sort(pending.begin(), pending.end());
      const auto wanted = model_.pending(customer, now);
      if (pending != wanted) {
        return "pending transfers of customer " + std::to_string(customer) + ": store lists " +
               std::to_string(pending.size()) + ", the model " + std::to_string(wanted.size()) +
               (pending.empty() ? "" : " (store: " + pending.front() + " ...)");
      }
    }
    return "";
  }

  const Sequence& sequence_;
  StoreFolder folder_{true};
  FakeClock time_;
  ReferenceModel model_;
  SecretBytes key_;
  SecretBytes audit_key_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<TransactionStore> store_;
  std::vector<Known> known_;
  RunResult result_;
};

RunResult run_sequence(const Sequence& sequence, Mutation mutation) {
  return SequenceRun(sequence, mutation).run();
}

// Drops steps while the sequence still fails: first everything after the first failure, then
// halves, quarters, ... down to single steps, until no single step can go.
Sequence shrink(Sequence sequence, Mutation mutation) {
  const RunResult first = run_sequence(sequence, mutation);
  if (!first.failed) return sequence;
  sequence.resize(first.failing_step + 1);
  for (bool progress = true; progress;) {
    progress = false;
    for (std::size_t chunk = std::max<std::size_t>(sequence.size() / 2, 1);; chunk /= 2) {
      for (std::size_t begin = 0; begin + chunk <= sequence.size();) {
        Sequence candidate = sequence;
        candidate.erase(candidate.begin() + static_cast<std::ptrdiff_t>(begin),
                        candidate.begin() + static_cast<std::ptrdiff_t>(begin + chunk));
        const RunResult result = run_sequence(candidate, mutation);
        if (result.failed) {
          candidate.resize(result.failing_step + 1);
          sequence = std::move(candidate);
          progress = true;
        } else {
          begin += chunk;
        }
      }
      if (chunk == 1) break;
    }
  }
  return sequence;
}

std::string print(const Sequence& sequence, Mutation mutation) {
  std::ostringstream out;
  for (const auto& line : run_sequence(sequence, mutation).trace) out << "  " << line << "\n";
  return out.str();
}

std::size_t environment_count(const char* name, std::size_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  return static_cast<std::size_t>(std::stoull(value));
}

std::uint64_t run_seed() {
  if (const char* value = std::getenv("SC_MODEL_SEED"); value != nullptr && *value != '\0') {
    return std::stoull(value);
  }
  return std::random_device{}();
}

// The store logs each step at info level; thousands of steps would drown the test's output.
struct QuietLogs {
  spdlog::level::level_enum saved = spdlog::get_level();
  QuietLogs() { spdlog::set_level(spdlog::level::warn); }
  ~QuietLogs() { spdlog::set_level(saved); }
};

}  // namespace

TEST_CASE("the transaction store answers like the reference model of the rules", "[txn][model]") {
  QuietLogs quiet;
  const std::uint64_t seed = run_seed();
  const std::size_t sequences = environment_count("SC_MODEL_SEQUENCES", 300);
  const std::size_t steps = environment_count("SC_MODEL_STEPS", 40);
  std::cout << "model-based test: seed " << seed << ", " << sequences << " sequences of " << steps
            << " steps (replay with SC_MODEL_SEED=" << seed << ")" << std::endl;
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < sequences; ++i) {
    const Sequence sequence = random_sequence(seed + i, steps);
    const RunResult result = run_sequence(sequence, Mutation::None);
    for (const auto& [answer, count] : result.seen) seen[answer] += count;
    if (!result.failed) continue;
    const Sequence shortest = shrink(sequence, Mutation::None);
    FAIL("sequence " << i << " (seed " << seed + i << ") makes the store and the model differ; "
                     << "the shortest failing sequence found (" << shortest.size() << " steps):\n"
                     << print(shortest, Mutation::None));
  }
  // The sequences reached every answer the rules can give (else they would prove little).
  std::cout << "model-based test: answers seen:";
  for (const auto& [answer, count] : seen) std::cout << " " << answer << "=" << count;
  std::cout << std::endl;
  for (const char* answer :
       {"accepted", "wrong-code", "expired", "locked", "already-used", "unknown-transaction",
        "blocked", "warn-last-attempt", "wrong-code-that-blocks", "another-customers-transaction",
        "start: started", "start: blocked", "start: too many pending", "restart"}) {
    CAPTURE(answer);
    if (sequences >= 100) CHECK(seen[answer] > 0);
  }
}

TEST_CASE("the model-based harness finds and shrinks a planted difference", "[txn][model]") {
  // A model that forgets to reset the count on success must be caught, and shrunk to the few
  // steps that show it: start, a wrong code, the right code.
  QuietLogs quiet;
  const std::uint64_t seed = run_seed();
  std::optional<Sequence> failing;
  for (std::size_t i = 0; i < 200 && !failing; ++i) {
    Sequence sequence = random_sequence(seed + i, 40);
    if (run_sequence(sequence, Mutation::SuccessKeepsCount).failed) failing = std::move(sequence);
  }
  REQUIRE(failing);
  const Sequence shortest = shrink(*failing, Mutation::SuccessKeepsCount);
  INFO("shrunk to:\n" << print(shortest, Mutation::SuccessKeepsCount));
  CHECK(shortest.size() < failing->size());
  CHECK(shortest.size() <= 4);
  CHECK(run_sequence(shortest, Mutation::SuccessKeepsCount).failed);
  CHECK_FALSE(run_sequence(shortest, Mutation::None).failed);
}
