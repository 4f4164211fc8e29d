package connectwise

import (
	"testing"
	"time"
)

func TestConditionBuilderRendering(t *testing.T) {
	day := Date(time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)))
	cases := []struct {
		c    Cond
		want string
	}{
		{Eq("name", Str(`Bob "The" \ Builder`)), `name="Bob \"The\" \\ Builder"`},
		{And(In("status/id", Ints([]int{1, 42})...), Eq("deletedFlag", Bool(false))), `status/id in (1,42) and deletedFlag=false`},
		{NotIn("status/id", Int(3)), `status/id not in (3)`},
		{And(Eq("a", Int(1)), Or(Eq("b", Int(2)), Eq("c", Int(3)))), `a=1 and (b=2 or c=3)`},
		{Or(And(Eq("a", Int(1)), Eq("b", Int(2))), Eq("c", Int(3))), `a=1 and b=2 or c=3`},
		{Not(Or(Eq("a", Null{}), Ne("a", Str("")))), `not (a=null or a!="")`},
		{Gt("_info/lastUpdated", day), `_info/lastUpdated>[2024-01-02T02:04:05Z]`},
		{And(Lt("id", Int(5)), Le("id", Int(4)), Ge("id", Int(-1))), `id<5 and id<=4 and id>=-1`},
		{Contains("name", "co"), `name contains "co"`},
		{Like("name", "Ac%"), `name like "Ac%"`},
		{And(Eq("x", Int(1))), `x=1`},
	}
	for _, c := range cases {
		if got := c.c.String(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}
