// The receipt store over a real SQLite store: first report wins, opened implies received, every
// way a delivery can be the wrong one is NOT_FOUND, rates per channel and platform, and the
// installation's push id key.
#include "status_fixture.h"
#include "store/receipt_sqlite_store.h"

namespace pushgate::store::testing {
namespace {

class ReceiptStoreTest : public StatusFixture {
 protected:
  void SetUp() override {
    StatusFixture::SetUp();
    receipts_ = std::make_unique<SqliteReceiptStore>(store_.get());
  }
  void TearDown() override {
    receipts_.reset();
    StatusFixture::TearDown();
  }

  // The ids of the notification's deliveries, oldest first.
  std::vector<int64_t> DeliveriesOf(const std::string& app, int64_t notification) {
    auto detail = status_->GetNotification(app, notification);
    EXPECT_TRUE(detail.ok() && detail->has_value());
    std::vector<int64_t> ids;
    for (const DeliveryRecord& d : (*detail)->deliveries) ids.push_back(d.id);
    return ids;
  }

  absl::StatusOr<ReceiptResult> Record(const std::string& app, int64_t delivery, ReceiptEvent event,
                                       int64_t device_ms = 0, int attempt = 1) {
    ReceiptReport r;
    r.app_id = app;
    r.delivery_id = delivery;
    r.attempt = attempt;
    r.event = event;
    r.device_time_ms = device_ms;
    r.now_ms = ++clock_;
    return Await<ReceiptResult>(
        [&](Callback<ReceiptResult> done) { return receipts_->RecordReceipt(r, std::move(done)); });
  }

  DeliveryRecord Delivery(const std::string& app, int64_t notification) {
    auto detail = status_->GetNotification(app, notification);
    EXPECT_TRUE(detail.ok() && detail->has_value());
    return (*detail)->deliveries.at(0);
  }

  std::unique_ptr<SqliteReceiptStore> receipts_;
  int64_t clock_ = 1'800'000'000'000;
};

TEST_F(ReceiptStoreTest, KeepsTheFirstReportOfEachEventAndOpenedImpliesReceived) {
  RegisterDevice("app1", "alice", 1);
  const int64_t n = Seed("app1", "alice", now_, DeliveryState::kDelivered, "chat", Channel::kFcm);
  const int64_t d = DeliveriesOf("app1", n).at(0);

  auto first = Record("app1", d, ReceiptEvent::kReceived, 1'700'000'000'123);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->newly_received);
  EXPECT_FALSE(first->newly_opened);
  EXPECT_EQ(first->notification_id, n);
  EXPECT_EQ(first->channel, Channel::kFcm);
  EXPECT_EQ(first->platform, "android");
  const int64_t received_at = clock_;

  auto again = Record("app1", d, ReceiptEvent::kReceived, 1'700'000'999'000);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->newly_received);
  DeliveryRecord row = Delivery("app1", n);
  EXPECT_EQ(row.received_at_ms, received_at);  // the first report stays
  EXPECT_EQ(row.received_device_at_ms, 1'700'000'000'123);
  EXPECT_EQ(row.opened_at_ms, 0);

  auto opened = Record("app1", d, ReceiptEvent::kOpened);
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened->newly_opened);
  EXPECT_FALSE(opened->newly_received);
  row = Delivery("app1", n);
  EXPECT_EQ(row.opened_at_ms, clock_);
  EXPECT_EQ(row.opened_device_at_ms, 0);  // none given
  EXPECT_EQ(row.received_at_ms, received_at);

  // Opened first: received is filled too.
  RegisterDevice("app1", "bob", 2);
  const int64_t m = Seed("app1", "bob", now_, DeliveryState::kDelivered, "chat", Channel::kFcm);
  auto direct = Record("app1", DeliveriesOf("app1", m).at(0), ReceiptEvent::kOpened, 5000);
  ASSERT_TRUE(direct.ok());
  EXPECT_TRUE(direct->newly_opened);
  EXPECT_TRUE(direct->newly_received);
  row = Delivery("app1", m);
  EXPECT_EQ(row.received_at_ms, clock_);
  EXPECT_EQ(row.received_device_at_ms, 5000);
  EXPECT_EQ(row.opened_device_at_ms, 5000);
}

TEST_F(ReceiptStoreTest, TheWrongDeliveryIsNotFound) {
  RegisterDevice("app1", "alice", 1);
  RegisterDevice("app2", "alice", 2);
  const int64_t n = Seed("app1", "alice", now_, DeliveryState::kDelivered, "chat", Channel::kFcm);
  const int64_t d = DeliveriesOf("app1", n).at(0);
  const int64_t log_notification = Seed("app2", "alice", now_, DeliveryState::kDelivered);
  const int64_t log = DeliveriesOf("app2", log_notification)
                          .at(0);  // log: reaches no device  // the log channel reaches no device

  EXPECT_TRUE(absl::IsNotFound(Record("app2", d, ReceiptEvent::kReceived).status()));
  EXPECT_TRUE(absl::IsNotFound(Record("app1", d + 1000, ReceiptEvent::kReceived).status()));
  EXPECT_TRUE(absl::IsNotFound(Record("app2", log, ReceiptEvent::kReceived).status()));
  // One attempt is logged, so a third was never sent.
  EXPECT_TRUE(absl::IsNotFound(Record("app1", d, ReceiptEvent::kReceived, 0, 3).status()));
  // The second attempt may be in flight; and app2's try above left the delivery untouched.
  auto second = Record("app1", d, ReceiptEvent::kReceived, 0, 2);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->newly_received);
  // None of the refusals wrote anything.
  EXPECT_EQ(Delivery("app2", log_notification).received_at_ms, 0);
}

TEST_F(ReceiptStoreTest, RatesPerChannelAndPlatform) {
  RegisterDevice("app1", "alice", 1);
  for (int i = 0; i < 4; ++i) {
    const int64_t n = Seed("app1", "alice", now_, DeliveryState::kDelivered, "chat", Channel::kFcm);
    const int64_t d = DeliveriesOf("app1", n).at(0);
    if (i < 3) ASSERT_TRUE(Record("app1", d, ReceiptEvent::kReceived).ok());
    if (i < 1) ASSERT_TRUE(Record("app1", d, ReceiptEvent::kOpened).ok());
  }
  Seed("app1", "alice", now_, DeliveryState::kFailed, "chat", Channel::kFcm);
  Seed("app1", "alice", now_ - 10'000'000, DeliveryState::kDelivered, "chat",
       Channel::kFcm);                                             // before the window
  Seed("app1", "alice", now_, DeliveryState::kDelivered, "chat");  // log: not a device

  auto rates = receipts_->ReceiptRates("app1", now_ - 1000);
  ASSERT_TRUE(rates.ok()) << rates.status();
  ASSERT_EQ(rates->size(), 1u);
  const ReceiptRateRow& row = rates->at(0);
  EXPECT_EQ(row.channel, Channel::kFcm);
  EXPECT_EQ(row.platform, "android");
  EXPECT_EQ(row.delivered, 4);
  EXPECT_EQ(row.received, 3);
  EXPECT_EQ(row.opened, 1);
  auto other = receipts_->ReceiptRates("app2", now_ - 1000);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

TEST_F(ReceiptStoreTest, EachDatabaseHasItsOwnStablePushIdKey) {
  auto key = receipts_->PushIdKey();
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->size(), 32u);
  EXPECT_EQ(*receipts_->PushIdKey(), *key);

  TempDir other_dir;
  auto other = OpenOrDie(TestConfig(other_dir.path()));
  SqliteReceiptStore other_receipts(other.get());
  auto other_key = other_receipts.PushIdKey();
  ASSERT_TRUE(other_key.ok());
  EXPECT_NE(*other_key, *key);
  other->Shutdown();
}

TEST(ReceiptPlatform, FollowsTheChannelAndFcmOs) {
  EXPECT_EQ(ReceiptPlatform(Channel::kApns, ""), "ios");
  EXPECT_EQ(ReceiptPlatform(Channel::kApnsVoip, ""), "ios");
  EXPECT_EQ(ReceiptPlatform(Channel::kWebPush, ""), "web");
  EXPECT_EQ(ReceiptPlatform(Channel::kFcm, ""), "android");
  EXPECT_EQ(ReceiptPlatform(Channel::kFcm, "IOS"), "ios");
  EXPECT_EQ(ReceiptPlatform(Channel::kFcm, "web"), "web");
  EXPECT_EQ(ReceiptPlatform(Channel::kWebhook, ""), "");
  EXPECT_EQ(ReceiptPlatform(Channel::kLog, ""), "");
}

}  // namespace
}  // namespace pushgate::store::testing
