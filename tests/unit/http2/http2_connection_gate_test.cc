// The connection gate's rules, driven by hand: one stream per new connection until its first
// answer, batches once the pool has shown it carries them, probes after trouble.
#include "providers/http2_connection_gate.h"

#include <gtest/gtest.h>

namespace pushgate::providers::http2_internal {
namespace {

using Admission = ConnectionGate::Admission;

const auto kQuiet = [] { return true; };
const auto kNoisy = [] { return false; };

// Distinct request identities.
const int kA = 0, kB = 0, kC = 0, kD = 0;

// Admits and starts a request the way the client does; returns the admission.
Admission Start(ConnectionGate& g, const void* request, bool opens_connection = false,
                bool quiet = true) {
  const Admission a = g.Admit(quiet ? std::function<bool()>(kQuiet) : kNoisy);
  if (a == Admission::kHold) return a;
  g.OnStarted();
  if (a == Admission::kStep) g.OnStepped(request, opens_connection);
  return a;
}

// A pool whose first connection answered its probe.
void Confirm(ConnectionGate& g) {
  Start(g, &kA, /*opens_connection=*/true);
  g.OnFinished(&kA, /*answered=*/true);
}

TEST(ConnectionGate, NewPoolSendsTheFirstRequestAloneThenRampsUp) {
  ConnectionGate g;
  EXPECT_EQ(Start(g, &kA, /*opens_connection=*/true), Admission::kStep);
  EXPECT_EQ(g.Admit(kQuiet), Admission::kHold);       // the probe is out
  EXPECT_TRUE(g.OnFinished(&kA, /*answered=*/true));  // release the held ones
  EXPECT_TRUE(g.confirmed());
  // The connection carried one: the next goes in the batch, the one after is a step.
  EXPECT_EQ(Start(g, &kB), Admission::kGo);
  EXPECT_EQ(Start(g, &kC), Admission::kStep);
  EXPECT_EQ(g.capacity(), 2u);
  EXPECT_EQ(Start(g, &kD), Admission::kStep);
  EXPECT_EQ(g.capacity(), 3u);
  // Back to three in flight after a completion: below capacity, no step needed.
  EXPECT_FALSE(g.OnFinished(&kB, true));
  EXPECT_EQ(g.Admit(kQuiet), Admission::kGo);
}

TEST(ConnectionGate, AStepThatOpensAConnectionHoldsEverythingUntilItsAnswer) {
  ConnectionGate g;
  Confirm(g);
  Start(g, &kB);  // kGo on the confirmed connection
  EXPECT_EQ(Start(g, &kC, /*opens_connection=*/true), Admission::kStep);
  EXPECT_EQ(g.Admit(kQuiet), Admission::kHold);  // kC's new connection is unconfirmed
  EXPECT_FALSE(g.OnFinished(&kB, true));         // an answer elsewhere changes nothing
  EXPECT_EQ(g.Admit(kQuiet), Admission::kHold);
  EXPECT_TRUE(g.OnFinished(&kC, true));  // the new connection answered
  EXPECT_NE(g.Admit(kQuiet), Admission::kHold);
}

TEST(ConnectionGate, SomethingUnreadOnAnIdleConnectionMakesTheNextRequestAProbe) {
  ConnectionGate g;
  Confirm(g);
  Start(g, &kB);
  Start(g, &kC);
  g.OnFinished(&kB, true);
  g.OnFinished(&kC, true);
  EXPECT_EQ(g.capacity(), 2u);
  // Idle, and the peer sent a GOAWAY meanwhile.
  EXPECT_EQ(Start(g, &kD, /*opens_connection=*/true, /*quiet=*/false), Admission::kStep);
  EXPECT_FALSE(g.confirmed());
  EXPECT_EQ(g.Admit(kQuiet), Admission::kHold);
  EXPECT_TRUE(g.OnFinished(&kD, true));
}

TEST(ConnectionGate, AFailedProbeLetsTheRestGoInsteadOfSerialisingTimeouts) {
  ConnectionGate g;
  Start(g, &kA, true);
  EXPECT_EQ(g.Admit(kQuiet), Admission::kHold);
  EXPECT_TRUE(g.OnFinished(&kA, /*answered=*/false));  // connect timeout
  EXPECT_EQ(g.Admit(kQuiet), Admission::kGo);
  EXPECT_EQ(Start(g, &kB), Admission::kGo);
  EXPECT_EQ(Start(g, &kC), Admission::kGo);
  // The first answer confirms a connection: from then on the normal rules.
  g.OnFinished(&kB, true);
  EXPECT_TRUE(g.confirmed());
}

TEST(ConnectionGate, TransportErrorsOnAConfirmedPoolProbeAgainOnceTheOldStreamsAreOut) {
  ConnectionGate g;
  Confirm(g);
  Start(g, &kB);
  Start(g, &kC);
  EXPECT_FALSE(g.OnFinished(&kB, /*answered=*/false));  // the connection died under kB
  EXPECT_EQ(g.capacity(), 1u);            // only what is still in flight is known to fit
  EXPECT_TRUE(g.OnFinished(&kC, false));  // and under kC: nothing left in flight
  EXPECT_FALSE(g.confirmed());
  EXPECT_EQ(Start(g, &kD, true), Admission::kStep);  // a probe
  EXPECT_EQ(g.Admit(kQuiet), Admission::kHold);
}

TEST(ConnectionGate, ClosedConnectionsShrinkWhatIsKnownToFit) {
  ConnectionGate g;
  Confirm(g);
  Start(g, &kB);
  Start(g, &kC);
  g.OnFinished(&kB, true);
  g.OnConnectionClosed(/*still_open=*/1);
  EXPECT_EQ(g.capacity(), 1u);
  EXPECT_TRUE(g.confirmed());
  g.OnConnectionClosed(0);
  EXPECT_FALSE(g.confirmed());
  EXPECT_EQ(g.capacity(), 0u);
}

}  // namespace
}  // namespace pushgate::providers::http2_internal
