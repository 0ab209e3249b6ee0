// SPDX-License-Identifier: MIT
// The InfluxDB output's HTTP pieces: URL, status line, Basic credentials, query encoding.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "publishers/upstream/http_post.hpp"

namespace gxlink::publishers::upstream {
namespace {

TEST(HttpPost, ParsesHttpUrls) {
  HttpTarget t;
  EXPECT_EQ(parse_http_url("http://influx.example:8086", t), "");
  EXPECT_EQ(t.host, "influx.example");
  EXPECT_EQ(t.port, "8086");
  EXPECT_EQ(t.base_path, "");
  EXPECT_EQ(parse_http_url("http://10.0.0.2/proxy/influx/", t), "");
  EXPECT_EQ(t.port, "80");
  EXPECT_EQ(t.base_path, "/proxy/influx");
  EXPECT_EQ(parse_http_url("http://[::1]:8186", t), "");
  EXPECT_EQ(t.host, "::1");
  EXPECT_EQ(t.port, "8186");
  EXPECT_THAT(parse_http_url("https://cloud.example", t), ::testing::HasSubstr("https"));
  EXPECT_NE(parse_http_url("influx:8086", t), "");
  EXPECT_NE(parse_http_url("http://host:99999", t), "");
  EXPECT_NE(parse_http_url("http://host:", t), "");
  EXPECT_NE(parse_http_url("http://", t), "");
  EXPECT_NE(parse_http_url("http://u:p@host", t), "");
}

TEST(HttpPost, StatusLine) {
  EXPECT_EQ(parse_status_line("HTTP/1.1 204 No Content\r\n\r\n"), 204);
  EXPECT_EQ(parse_status_line("HTTP/1.0 400 Bad Request\r\n"), 400);
  EXPECT_EQ(parse_status_line("HTTP/1.1 20"), 0);
  EXPECT_EQ(parse_status_line("HTTP/2 204 \r\n"), 0);
  EXPECT_EQ(parse_status_line("SSH-2.0-OpenSSH\r\n"), 0);
  EXPECT_EQ(parse_status_line("HTTP/1.1 0x4 Bad\r\n"), 0);
}

TEST(HttpPost, Base64AndUrlEncoding) {
  // RFC 4648 §10 test vectors.
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(url_encode("my org&b=1 ü"), "my%20org%26b%3D1%20%C3%BC");
  EXPECT_EQ(url_encode("A-z_0.9~"), "A-z_0.9~");
}

}  // namespace
}  // namespace gxlink::publishers::upstream
