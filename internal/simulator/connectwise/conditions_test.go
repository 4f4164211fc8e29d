package connectwise

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseConditionsCanonical(t *testing.T) {
	cases := map[string]string{
		`status/id in (1,42)`:                              `status/id in (1, 42)`,
		`deletedFlag=false`:                                `deletedFlag = false`,
		`name="Acme"`:                                      `name = "Acme"`,
		`name = 'Acme'`:                                    `name = "Acme"`,
		`name="Bob \"The\" \\ Builder"`:                    `name = "Bob \"The\" \\ Builder"`,
		`a=1 or b=2 and c=3`:                               `(a = 1 or (b = 2 and c = 3))`,
		`(a=1 or b=2) and c=3`:                             `((a = 1 or b = 2) and c = 3)`,
		`NOT a=1 AND b != null`:                            `(not (a = 1) and b != null)`,
		`Summary Not Contains "Low Priority"`:              `Summary not contains "Low Priority"`,
		`name like "Ac%"`:                                  `name like "Ac%"`,
		`status/id not in (3, 4)`:                          `status/id not in (3, 4)`,
		`_info/lastUpdated > [2024-01-01T00:00:00Z]`:       `_info/lastUpdated > [2024-01-01T00:00:00Z]`,
		`LastUpdated >= [2016-08-20T18:04:26Z]`:            `LastUpdated >= [2016-08-20T18:04:26Z]`,
		`ClosedFlag = True`:                                `ClosedFlag = true`,
		`x <= -1.5`:                                        `x <= -1.5`,
		`((((a=1))))`:                                      `a = 1`,
		"a=1\tand\nb=2":                                    `(a = 1 and b = 2)`,
		`company/identifier="ACME" and types/name!="Lead"`: `(company/identifier = "ACME" and types/name != "Lead")`,
	}
	for in, want := range cases {
		e, err := ParseConditions(in)
		if err != nil {
			t.Errorf("ParseConditions(%q): %v", in, err)
			continue
		}
		if got := e.String(); got != want {
			t.Errorf("ParseConditions(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParseConditionsErrors(t *testing.T) {
	bad := []string{
		``, `   `, `name`, `name=`, `name="x`, `name="x\`, `=1`, `a=1 and`, `a=1 or or b=2`,
		`(a=1`, `a=1)`, `a in 1`, `a in ()`, `a in (1,)`, `a in (null)`, `a < null`, `a like 5`,
		`a contains x`, `a ! b`, `a=[2024-13-01]`, `a=[2024-01-01`, `a//b=1`, `a/1b=1`, `and=1`,
		`a = 5x`, `a=1 b=2`, `a not = 1`, `a == 1`, `a=1;`, strings.Repeat("(", 100) + "a=1" + strings.Repeat(")", 100),
		strings.Repeat("not ", 100) + "a=1", strings.Repeat("a", maxConditionLength+1),
	}
	for _, in := range bad {
		if e, err := ParseConditions(in); err == nil {
			t.Errorf("ParseConditions(%.40q) = %v, want an error", in, e)
		}
	}
}

func bindCompany(t *testing.T, cond string, child bool) Matcher {
	t.Helper()
	e, err := ParseConditions(cond)
	if err != nil {
		t.Fatalf("parse %q: %v", cond, err)
	}
	m, err := BindConditions(e, reflect.TypeOf(Company{}), child)
	if err != nil {
		t.Fatalf("bind %q: %v", cond, err)
	}
	return m
}

func TestConditionsEvaluate(t *testing.T) {
	acme := Company{ID: 250, Identifier: "AcmeCorp", Name: `Acme "Best" Corp`, Status: &Ref{ID: 17, Name: "Active"},
		Types: []Ref{{ID: 42, Name: "Client"}, {ID: 11, Name: "Partner"}}, City: "Tampa",
		Info: Info{"lastUpdated": "2024-06-01T10:00:00Z"}}
	bare := Company{ID: 251, Identifier: "Bare", Name: "Bare", DeletedFlag: true}
	cases := []struct {
		cond       string
		child      bool
		acme, bare bool
	}{
		{`status/id in (1,17)`, false, true, false},
		{`status/id not in (1,17)`, false, false, false}, // null status: unknown, not true
		{`status/id = null`, false, false, true},
		{`status/id != null`, false, true, false},
		{`STATUS/NAME = "active"`, false, true, false},
		{`deletedFlag=false`, false, true, false},
		{`deletedFlag = TRUE`, false, false, true},
		{`name = "acme \"best\" corp"`, false, true, false},
		{`name like "acme%corp"`, false, true, false},
		{`name like "a_me*"`, false, true, false},
		{`name not like "acme%"`, false, false, true},
		{`name contains "BEST"`, false, true, false},
		{`city = null`, false, false, true},
		{`id >= 251`, false, false, true},
		{`id < 251 and id > 249`, false, true, false},
		{`id = 1 or id = 251 and deletedFlag = true`, false, false, true},
		{`not (id = 250)`, false, false, true},
		{`_info/lastUpdated > [2024-01-01T00:00:00Z]`, false, true, false},
		{`_info/LASTUPDATED < [2024-01-01]`, false, false, false},
		{`_info/lastUpdated = null`, false, false, true},
		{`identifier > "B"`, false, false, true},
		{`types/id in (42)`, true, true, false},
		{`types/id = 11`, true, true, false},
		{`types/name = "client" and types/id = 11`, true, true, false},
		{`types/id != 42`, true, true, false},
	}
	for _, c := range cases {
		m := bindCompany(t, c.cond, c.child)
		if got := m(reflect.ValueOf(acme)); got != c.acme {
			t.Errorf("%q on acme = %v, want %v", c.cond, got, c.acme)
		}
		if got := m(reflect.ValueOf(bare)); got != c.bare {
			t.Errorf("%q on bare = %v, want %v", c.cond, got, c.bare)
		}
	}
}

func TestBindConditionsErrors(t *testing.T) {
	cases := []struct {
		cond  string
		child bool
	}{
		{`nosuchfield = 1`, false},
		{`status = 1`, false},           // an object, not a field
		{`status/id = "17"`, false},     // type mismatch
		{`name = 5`, false},             // type mismatch
		{`deletedFlag < true`, false},   // bools are not ordered
		{`id like "1%"`, false},         // like on a number
		{`types/id = 5`, false},         // arrays need childConditions
		{`name = "x"`, true},            // childConditions need an array
		{`status/id/x = 1`, false},      // below a scalar
		{`deletedFlag in (1)`, false},   // number in a bool list
		{`types = 5`, true},             // array of objects itself
		{`types/id contains "4"`, true}, // contains on a number
	}
	for _, c := range cases {
		e, err := ParseConditions(c.cond)
		if err != nil {
			t.Fatalf("parse %q: %v", c.cond, err)
		}
		if _, err := BindConditions(e, reflect.TypeOf(Company{}), c.child); err == nil {
			t.Errorf("BindConditions(%q, child=%v) succeeded, want an error", c.cond, c.child)
		}
	}
}

func TestLikeMatch(t *testing.T) {
	cases := []struct {
		s, p string
		want bool
	}{
		{"acme", "acme", true}, {"acme", "a%", true}, {"acme", "%e", true}, {"acme", "%c%", true},
		{"acme", "a_me", true}, {"acme", "a_e", false}, {"", "%", true}, {"", "_", false},
		{"abcabc", "%abc", true}, {"abcab", "%abc", false}, {"a%b", "a%b", true}, {"aXXb", "a*b", true},
	}
	for _, c := range cases {
		if got := likeMatch([]rune(c.s), []rune(c.p)); got != c.want {
			t.Errorf("likeMatch(%q, %q) = %v, want %v", c.s, c.p, got, c.want)
		}
	}
}

// FuzzParseConditions: the parser never panics, its canonical output re-parses to the same
// canonical text, and a bound expression evaluates without panicking.
func FuzzParseConditions(f *testing.F) {
	for _, s := range []string{
		`status/id in (1,42) and deletedFlag=false`, `name="Bob \"The\" \\ Builder"`, `a=1 or not (b<2)`,
		`_info/lastUpdated > [2024-01-01T00:00:00Z]`, `types/id in (42)`, `name like 'x%'`, `x != null`,
		`Summary Not Contains "Low"`, `((a=1))`, `id >= -3.25`, `(`, `"`, `[`, `a in (1,2`,
	} {
		f.Add(s)
	}
	sample := Company{ID: 1, Identifier: "X", Name: "X", Status: &Ref{ID: 17, Name: "Active"}, Types: []Ref{{ID: 42}},
		Info: Info{"lastUpdated": "2024-06-01T10:00:00Z"}}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseConditions(s)
		if err != nil {
			return
		}
		canon := e.String()
		e2, err := ParseConditions(canon)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", canon, s, err)
		}
		if got := e2.String(); got != canon {
			t.Fatalf("canonical form unstable: %q -> %q", canon, got)
		}
		for _, child := range []bool{false, true} {
			if m, err := BindConditions(e, reflect.TypeOf(Company{}), child); err == nil {
				m(reflect.ValueOf(sample))
			}
		}
	})
}

// FuzzQuoteString: any string survives QuoteString and the lexer unchanged.
func FuzzQuoteString(f *testing.F) {
	for _, s := range []string{"", "plain", `quote " inside`, `back \ slash`, `\"`, "ünïcödé", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxConditionLength-20 {
			return
		}
		e, err := ParseConditions("name = " + QuoteString(s))
		if err != nil {
			t.Fatalf("quoted %q does not parse: %v", s, err)
		}
		if got := e.(Comparison).Values[0].Str; got != s {
			t.Fatalf("round trip %q -> %q", s, got)
		}
	})
}
