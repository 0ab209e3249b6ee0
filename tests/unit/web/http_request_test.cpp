// SPDX-License-Identifier: MIT
#include "publishers/web/http_request.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gxlink::publishers::web {
namespace {

/// What a run over some input produced, compared across splits (grind).
struct Seen {
  std::string method;
  std::string target;
  int minor = -1;
  bool keep_alive = false;
  std::size_t content_length = 0;
  friend bool operator==(const Seen&, const Seen&) = default;
};

struct Outcome {
  std::vector<Seen> requests;
  int bad_status = 0;  ///< 0 when no kBad
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

ByteView bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Feeds `chunks` one after the other, looping take() over each until it is used up.
Outcome run_chunks(RequestParser& p, const std::vector<std::string_view>& chunks) {
  Outcome run;
  for (auto chunk : chunks) {
    while (!chunk.empty()) {
      const auto r = p.take(bytes(chunk));
      EXPECT_LE(r.consumed, chunk.size());
      chunk.remove_prefix(r.consumed);
      if (r.status == TakeStatus::kRequest) {
        run.requests.push_back({std::string(r.request->method), std::string(r.request->target),
                                r.request->version_minor, r.request->keep_alive,
                                r.request->content_length});
      } else if (r.status == TakeStatus::kBad) {
        run.bad_status = r.http_status;
        return run;
      } else {
        EXPECT_TRUE(chunk.empty()) << "kNeedMore must consume everything";
      }
    }
  }
  return run;
}

Outcome run_all(std::string_view s) {
  RequestParser p;
  return run_chunks(p, {s});
}

const std::string kBrowser =
    "GET /api/model HTTP/1.1\r\n"
    "Host: 127.0.0.1:8088\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    "Accept: */*\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Connection: keep-alive\r\n"
    "\r\n";

TEST(HttpRequestParser, BrowserGetIsOneRequestConsumingEveryByte) {
  RequestParser p;
  const auto r = p.take(bytes(kBrowser));
  ASSERT_EQ(r.status, TakeStatus::kRequest);
  EXPECT_EQ(r.consumed, kBrowser.size());
  EXPECT_EQ(r.request->method, "GET");
  EXPECT_EQ(r.request->target, "/api/model");
  EXPECT_EQ(r.request->version_minor, 1);
  EXPECT_TRUE(r.request->keep_alive);
  EXPECT_EQ(r.request->content_length, 0u);
}

TEST(HttpRequestParser, StopsAfterTheFirstOfTwoPipelinedRequests) {
  const std::string two = kBrowser + "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n";
  RequestParser p;
  auto r = p.take(bytes(two));
  ASSERT_EQ(r.status, TakeStatus::kRequest);
  EXPECT_EQ(r.consumed, kBrowser.size());
  r = p.take(bytes(two).subspan(kBrowser.size()));
  ASSERT_EQ(r.status, TakeStatus::kRequest);
  EXPECT_EQ(r.consumed, two.size() - kBrowser.size());
  EXPECT_EQ(r.request->method, "HEAD");
  EXPECT_EQ(r.request->path(), "/");
}

TEST(HttpRequestParser, IncompleteHeadNeedsMoreAndConsumesIt) {
  RequestParser p;
  const std::string part = kBrowser.substr(0, kBrowser.size() - 2);
  auto r = p.take(bytes(part));
  EXPECT_EQ(r.status, TakeStatus::kNeedMore);
  EXPECT_EQ(r.consumed, part.size());
  r = p.take(bytes("\r\n"));
  ASSERT_EQ(r.status, TakeStatus::kRequest);
  EXPECT_EQ(r.consumed, 2u);
  EXPECT_EQ(r.request->target, "/api/model");
}

TEST(HttpRequestParser, KeepAliveFollowsVersionAndConnectionHeader) {
  EXPECT_TRUE(run_all("GET / HTTP/1.1\r\n\r\n").requests.at(0).keep_alive);
  EXPECT_FALSE(run_all("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").requests.at(0).keep_alive);
  EXPECT_FALSE(
      run_all("GET / HTTP/1.1\r\nconnection: Upgrade, CLOSE\r\n\r\n").requests.at(0).keep_alive);
  EXPECT_FALSE(run_all("GET / HTTP/1.0\r\n\r\n").requests.at(0).keep_alive);
  const auto ka10 = run_all("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").requests.at(0);
  EXPECT_EQ(ka10.minor, 0);
  EXPECT_TRUE(ka10.keep_alive);
}

TEST(HttpRequestParser, BareLfLinesAndLeadingEmptyLinesAreAccepted) {
  const auto run = run_all("\r\n\nGET /a?x=1 HTTP/1.1\nHost: h\n\n");
  ASSERT_EQ(run.requests.size(), 1u);
  EXPECT_EQ(run.bad_status, 0);
  EXPECT_EQ(run.requests[0].target, "/a?x=1");
}

TEST(HttpRequestParser, PathDropsTheQuery) {
  RequestParser p;
  const auto r = p.take(bytes("GET /api/model?t=123 HTTP/1.1\r\n\r\n"));
  ASSERT_EQ(r.status, TakeStatus::kRequest);
  EXPECT_EQ(r.request->path(), "/api/model");
}

TEST(HttpRequestParser, BodyIsSkippedBeforeTheRequestIsReturned) {
  const std::string req = "POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
  const std::string next = "GET / HTTP/1.1\r\n\r\n";
  const auto run = run_all(req + next);
  ASSERT_EQ(run.requests.size(), 2u);
  EXPECT_EQ(run.requests[0].method, "POST");
  EXPECT_EQ(run.requests[0].content_length, 5u);
  EXPECT_EQ(run.requests[1].method, "GET");
  RequestParser p;
  auto r = p.take(bytes(req.substr(0, req.size() - 1)));
  EXPECT_EQ(r.status, TakeStatus::kNeedMore);
  r = p.take(bytes("o"));
  EXPECT_EQ(r.status, TakeStatus::kRequest);
  EXPECT_EQ(r.consumed, 1u);
}

// Every way of cutting a stream of three requests in two (and byte by byte) gives the same
// requests as one piece (STYLE.md §19, "grind").
TEST(HttpRequestParser, GrindEverySplitGivesTheSameRequests) {
  const std::string stream = kBrowser + "POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" +
                             "GET /api/service/com.victronenergy.battery.ttyS0 HTTP/1.0\n\n";
  const Outcome whole = run_all(stream);
  ASSERT_EQ(whole.requests.size(), 3u);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    RequestParser p;
    const std::string_view s(stream);
    EXPECT_EQ(run_chunks(p, {s.substr(0, cut), s.substr(cut)}), whole) << "cut at " << cut;
  }
  RequestParser p;
  std::vector<std::string_view> bytewise;
  for (std::size_t i = 0; i < stream.size(); ++i)
    bytewise.push_back(std::string_view(stream).substr(i, 1));
  EXPECT_EQ(run_chunks(p, bytewise), whole);
}

TEST(HttpRequestParser, MalformedRequestsAreBadWithTheirStatus) {
  struct Case {
    const char* name;
    std::string input;
    int status;
  };
  const std::vector<Case> cases = {
      {"no target", "GET\r\n\r\n", 400},
      {"no version", "GET /\r\n\r\n", 400},
      {"bad version", "GET / HTTX/1.1\r\n\r\n", 400},
      {"http/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
      {"http/1.2", "GET / HTTP/1.2\r\n\r\n", 505},
      {"double space", "GET  / HTTP/1.1\r\n\r\n", 400},
      {"bad method", "G(T / HTTP/1.1\r\n\r\n", 400},
      {"no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", 400},
      {"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
      {"folding", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400},
      {"NUL", std::string("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 25), 400},
      {"bare CR", "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400},
      {"bad length", "GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
      {"negative length", "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"conflicting lengths", "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
       400},
      {"huge length", "GET / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", 400},
      {"body too large", "POST / HTTP/1.1\r\nContent-Length: 8193\r\n\r\n", 413},
      {"chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
  };
  for (const auto& c : cases) {
    const auto run = run_all(c.input);
    EXPECT_EQ(run.bad_status, c.status) << c.name;
    EXPECT_TRUE(run.requests.empty()) << c.name;
  }
  // Equal repeated lengths are fine (RFC 9112 §6.3).
  EXPECT_EQ(run_all("GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n").bad_status,
            0);
  // The largest allowed body is accepted.
  EXPECT_EQ(run_all("POST / HTTP/1.1\r\nContent-Length: 8192\r\n\r\n" + std::string(8192, 'x'))
                .requests.size(),
            1u);
}

TEST(HttpRequestParser, HeadLargerThanTheBoundIs431AtTheFirstByteTooMany) {
  std::string head = "GET / HTTP/1.1\r\nX-Big: ";
  head += std::string(kMaxHeadBytes - head.size(), 'a');
  RequestParser p;
  auto r = p.take(bytes(head));
  EXPECT_EQ(r.status, TakeStatus::kNeedMore);
  EXPECT_EQ(r.consumed, kMaxHeadBytes);
  r = p.take(bytes("a\r\n\r\n"));
  ASSERT_EQ(r.status, TakeStatus::kBad);
  EXPECT_EQ(r.http_status, 431);
  EXPECT_EQ(r.consumed, 1u);
  EXPECT_EQ(r.error.code, Errc::kBadLength);
  // A head that fits exactly is accepted.
  std::string exact = "GET / HTTP/1.1\r\nX-Big: ";
  exact += std::string(kMaxHeadBytes - exact.size() - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(exact.size(), kMaxHeadBytes);
  EXPECT_EQ(run_all(exact).requests.size(), 1u);
}

TEST(HttpRequestParser, StaysBadUntilResetThenParsesAgain) {
  RequestParser p;
  auto r = p.take(bytes("BAD\r\n\r\n"));
  ASSERT_EQ(r.status, TakeStatus::kBad);
  r = p.take(bytes("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(r.status, TakeStatus::kBad);
  EXPECT_EQ(r.consumed, 0u);
  p.reset();
  r = p.take(bytes("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(r.status, TakeStatus::kRequest);
}

TEST(HttpRequestParser, EndlessEmptyLinesAndNoiseStayBounded) {
  RequestParser p;
  std::string blanks(100000, '\n');
  auto r = p.take(bytes(blanks));
  EXPECT_EQ(r.status, TakeStatus::kNeedMore);
  EXPECT_EQ(r.consumed, blanks.size());
  RequestParser q;
  std::string noise(100000, 'x');
  r = q.take(bytes(noise));
  ASSERT_EQ(r.status, TakeStatus::kBad);
  EXPECT_EQ(r.http_status, 431);
}

}  // namespace
}  // namespace gxlink::publishers::web

namespace gxlink::publishers::web {
namespace {

TEST(HttpRequestParser, AuthorizationIsKeptForTheTokenCheck) {
  RequestParser p;
  const std::string in =
      "POST /api/write HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\n\r\n";
  const auto r = p.take(ByteView(reinterpret_cast<const std::uint8_t*>(in.data()), in.size()));
  ASSERT_EQ(r.status, TakeStatus::kRequest);
  EXPECT_EQ(r.request->authorization, "Bearer s3cret");
}

TEST(HttpQuery, ParametersAreFoundAndDecoded) {
  const std::string_view t =
      "/api/write?service=com.victronenergy.vebus.ttyMK3&path=%2FMode&value=3";
  EXPECT_EQ(query_param(t, "service"), "com.victronenergy.vebus.ttyMK3");
  EXPECT_EQ(query_param(t, "path"), "/Mode");
  EXPECT_EQ(query_param(t, "value"), "3");
  EXPECT_EQ(query_param(t, "other"), std::nullopt);
  EXPECT_EQ(query_param("/x?a&b=1", "a"), "");
  EXPECT_EQ(query_param("/x", "a"), std::nullopt);
  EXPECT_EQ(query_param("/x?ab=1&a=2", "a"), "2");  // whole names only
  EXPECT_EQ(query_param("/x?v=%22a+b%22", "v"), "\"a b\"");
}

TEST(HttpQuery, BadPercentEscapesAreRefused) {
  EXPECT_EQ(percent_decode("%2"), std::nullopt);
  EXPECT_EQ(percent_decode("%"), std::nullopt);
  EXPECT_EQ(percent_decode("%zz"), std::nullopt);
  EXPECT_EQ(percent_decode("%41%62c"), "Abc");
  EXPECT_EQ(query_param("/x?v=%4", "v"), std::nullopt);
}

}  // namespace
}  // namespace gxlink::publishers::web
