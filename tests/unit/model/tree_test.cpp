// SPDX-License-Identifier: MIT
// model::Tree, the structured value Venus' system service needs (/Batteries, a list of dicts;
// /AvailableBatteryMeasurements, a dict): bounds, sharing, equality for change detection, JSON.
#include "model/tree.hpp"

#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/model.hpp"
#include "model/model_json.hpp"

namespace gxlink::model {
namespace {

TreeNode battery(double voltage, bool active) {
  return TreeDict{{"id", "com.victronenergy.battery.ttyO1"},
                  {"instance", 0},
                  {"voltage", voltage},
                  {"name", "SmartShunt"},
                  {"active_battery_service", active}};
}

Tree must(TreeNode n) {
  auto t = Tree::make(std::move(n));
  EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().message());
  return t ? *t : Tree{};
}

TEST(ModelTree, CopiesShareTheNodesAndCompareDeeply) {
  const Tree a = must(TreeList{battery(12.5, true)});
  const Tree b = a;  // a reference count, not a copy of the nodes
  EXPECT_EQ(&a.root(), &b.root());
  EXPECT_EQ(a, b);
  const Tree same = must(TreeList{battery(12.5, true)});
  EXPECT_NE(&a.root(), &same.root());
  EXPECT_EQ(a, same);
  EXPECT_FALSE(a == must(TreeList{battery(12.6, true)}));
  EXPECT_FALSE(a == must(TreeList{battery(12.5, false)}));
  EXPECT_FALSE(a == must(TreeList{battery(12.5, true), battery(12.5, true)}));
  // 1 and 1.0 differ, as they do on D-Bus; a NaN that stays NaN is no change.
  EXPECT_FALSE(must(TreeList{1}) == must(TreeList{1.0}));
  EXPECT_EQ(must(TreeList{std::nan("")}), must(TreeList{std::nan("")}));
  EXPECT_FALSE(must(TreeList{true}) == must(TreeList{1}));
  EXPECT_FALSE(must(TreeList{nullptr}) == must(TreeList{0}));
}

TEST(ModelTree, ValueKeepsItsOldAlternativesAndDetectsTreeChanges) {
  Model m;
  ServiceSpec spec;
  spec.type = "system";
  auto& s = m.add_service(spec);
  struct Recorder : Observer {
    std::vector<std::string>* out;
    void on_changes(std::span<const Change> cs) override {
      for (auto& c : cs) out->push_back(*c.path);
    }
  };
  std::vector<std::string> changed;
  Recorder rec;
  rec.out = &changed;
  m.add_observer(&rec);
  m.flush();
  changed.clear();
  s.set("/Batteries", Value{must(TreeList{battery(12.5, true)})});
  m.flush();
  EXPECT_EQ(changed, std::vector<std::string>{"/Batteries"});
  changed.clear();
  // An equal tree built anew is no change; a different one is.
  s.set("/Batteries", Value{must(TreeList{battery(12.5, true)})});
  m.flush();
  EXPECT_TRUE(changed.empty());
  s.set("/Batteries", Value{must(TreeList{battery(12.7, true)})});
  m.flush();
  EXPECT_EQ(changed, std::vector<std::string>{"/Batteries"});
  // The flat alternatives are what they were.
  EXPECT_TRUE(same_value(Value{IntArray{1, 2}}, Value{IntArray{1, 2}}));
  EXPECT_FALSE(same_value(Value{IntArray{1, 2}}, Value{must(TreeList{1, 2})}));
  EXPECT_FALSE(as_double(Value{must(TreeList{1})}));
  EXPECT_TRUE(is_valid(Value{Tree{}}));
  m.remove_observer(&rec);
}

TEST(ModelTree, BoundsAreEnforcedWhenBuilt) {
  // Depth: kMaxDepth containers nest; one more is refused.
  TreeNode deep = 1;
  for (std::size_t i = 0; i < Tree::kMaxDepth; ++i) deep = TreeList{deep};
  EXPECT_TRUE(Tree::make(deep).has_value());
  EXPECT_FALSE(Tree::make(TreeList{deep}).has_value());
  // Nodes.
  TreeList wide(Tree::kMaxNodes - 1, TreeNode{1});
  EXPECT_TRUE(Tree::make(wide).has_value());
  wide.emplace_back(std::int64_t{2});
  auto too_wide = Tree::make(wide);
  ASSERT_FALSE(too_wide.has_value());
  EXPECT_EQ(too_wide.error().code, Errc::kOutOfRange);
  // Text.
  const std::string big(Tree::kMaxStringBytes / 2 + 1, 'x');
  EXPECT_TRUE(Tree::make(TreeList{big}).has_value());
  EXPECT_FALSE(Tree::make(TreeList{big, big}).has_value());
  EXPECT_FALSE(Tree::make(TreeDict{{big, big}}).has_value());  // keys count too
  // A dict key may appear once.
  auto dup = Tree::make(TreeDict{{"a", 1}, {"a", 2}});
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, Errc::kBadFormat);
  const Tree t = must(TreeDict{{"a", TreeList{1, "b"}}, {"c", nullptr}});
  EXPECT_EQ(t.nodes(), 5u);
  EXPECT_EQ(t.string_bytes(), 3u);
}

TEST(ModelTree, JsonBothWaysAndAsText) {
  const Tree t = must(TreeDict{{"default", "Automatic"},
                               {"list", TreeList{true, nullptr, 2, 2.5, TreeList{}}},
                               {"nan", std::nan("")}});
  const nlohmann::json j = to_json(Value{t});
  EXPECT_EQ(j, nlohmann::json::parse(
                   R"({"default":"Automatic","list":[true,null,2,2.5,[]],"nan":null})"));
  // As text: Python's str() of the value, which is what velib's GetText answers on Venus.
  EXPECT_EQ(to_plain_text(Value{t}),
            "{'default': 'Automatic', 'list': [True, None, 2, 2.5, []], 'nan': nan}");
  EXPECT_EQ(tree_text(TreeList{65.0, 12.15, 1e16, 1e15, 0.0001, 0.00001, -2.5, 1.5e-7, 0.0}),
            "[65.0, 12.15, 1e+16, 1000000000000000.0, 0.0001, 1e-05, -2.5, 1.5e-07, 0.0]");
  EXPECT_EQ(tree_text(TreeDict{{"it's", "a\\b"}, {"q", "say \"hi\"\n"}}),
            R"({"it's": 'a\\b', 'q': 'say "hi"\n'})");
  // Back: objects and mixed lists become a Tree; flat lists stay flat arrays.
  auto back = from_json_structured(nlohmann::json::parse(R"([{"a":true,"b":[1,"x"]}])"));
  ASSERT_TRUE(back.has_value());
  ASSERT_TRUE(std::holds_alternative<Tree>(*back));
  EXPECT_EQ(std::get<Tree>(*back), must(TreeList{TreeDict{{"a", true}, {"b", TreeList{1, "x"}}}}));
  auto flat = from_json_structured(nlohmann::json::parse("[1,2]"));
  ASSERT_TRUE(flat.has_value());
  EXPECT_EQ(*flat, Value(IntArray{1, 2}));
  auto empty = from_json_structured(nlohmann::json::parse("[]"));
  ASSERT_TRUE(empty.has_value());
  EXPECT_FALSE(is_valid(*empty));  // Venus' invalid
  // from_json (writes) is unchanged: an object is no value.
  EXPECT_FALSE(is_valid(from_json(nlohmann::json::parse(R"({"a":1})"))));
  // Too deep JSON is refused before it is built.
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += '[';
  deep += '1';
  for (int i = 0; i < 10000; ++i) deep += ']';
  EXPECT_FALSE(from_json_structured(nlohmann::json::parse(deep)).has_value());
}

}  // namespace
}  // namespace gxlink::model
