package kaseyavsa

import (
	"encoding/json"
	"strings"
	"testing"
)

var sampleRecord = map[string]any{
	"OrgId":       json.Number("90000000000000001"),
	"OrgName":     "O'Brien & Sons",
	"OrgRef":      "obrien",
	"OrgType":     nil,
	"ParentOrgId": nil,
	"Online":      1,
	"Flag":        true,
}

func TestFilterMatch(t *testing.T) {
	cases := []struct {
		expr string
		want bool
	}{
		{`OrgName eq 'O''Brien & Sons'`, true},
		{`OrgName eq 'o''brien & sons'`, false}, // eq is ordinal and case-sensitive
		{`tolower(OrgName) eq 'o''brien & sons'`, true},
		{`toupper(OrgRef) eq 'OBRIEN'`, true},
		{`substringof('Brien', OrgName)`, true},
		{`substringof('brien', OrgName)`, false},
		{`substringof('brien', tolower(OrgName))`, true},
		{`startswith(OrgName, 'O''B')`, true},
		{`endswith(OrgName, 'Sons')`, true},
		{`length(OrgRef) eq 6`, true},
		{`trim('  x ') eq 'x'`, true},
		{`OrgId eq 90000000000000001`, true},
		{`OrgId eq 90000000000000002`, false}, // beyond float64 precision: must stay exact
		{`OrgId eq 90000000000000001L`, true},
		{`OrgId eq 90000000000000001.0M`, true},
		{`OrgId gt 9e16`, true},
		{`OrgId le 1`, false},
		{`OrgType eq null`, true},
		{`OrgType ne null`, false},
		{`ParentOrgId eq 5`, false},
		{`Flag eq true and Online eq 1`, true},
		{`Flag eq false or Online eq 1`, true},
		{`not (Online eq 1)`, false},
		{`not Flag`, false},
		{`(OrgRef eq 'x' or OrgRef eq 'obrien') and not (OrgName eq 'y')`, true},
		{`OrgRef eq 'a' or OrgRef eq 'b' and OrgRef eq 'obrien'`, false}, // and binds tighter
		{`substringof('x', OrgType)`, false},                             // null propagates
		{`Online eq -1`, false},
	}
	for _, c := range cases {
		f, err := ParseFilter(c.expr)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", c.expr, err)
			continue
		}
		got, err := f.Match(sampleRecord)
		if err != nil {
			t.Errorf("Match(%q): %v", c.expr, err)
			continue
		}
		if got != c.want {
			t.Errorf("Match(%q) = %v, want %v", c.expr, got, c.want)
		}
		again, err := ParseFilter(f.String())
		if err != nil || again.String() != f.String() {
			t.Errorf("round trip of %q via %q: %v", c.expr, f.String(), err)
		}
	}
}

func TestFilterErrors(t *testing.T) {
	parseErrors := []string{
		``, `OrgName eq`, `OrgName eq 'unterminated`, `(OrgName eq 'x'`, `OrgName eq 'x')`,
		`OrgName Eq 'x'`, `unknownfn(OrgName)`, `substringof('x')`, `tolower(OrgName, 'x')`,
		`OrgName eq 'x' and`, `eq eq 'x'`, `OrgName eq "x"`, `OrgId eq 1e99999`, `OrgId eq 12ab`,
		`OrgName eq 'x' OrgRef eq 'y'`, `#`, strings.Repeat("(", 200) + "Flag" + strings.Repeat(")", 200),
		strings.Repeat("not ", 200) + "Flag",
	}
	for _, e := range parseErrors {
		if _, err := ParseFilter(e); err == nil {
			t.Errorf("ParseFilter(%q) succeeded, want an error", e)
		}
	}
	evalErrors := []string{
		`OrgId eq '90000000000000001'`, // incompatible types
		`Missing eq 'x'`,
		`OrgName`, // not a boolean
		`tolower(OrgId) eq 'x'`,
		`Flag gt true`,
		`OrgName eq 'x' and 'y'`,
	}
	for _, e := range evalErrors {
		f, err := ParseFilter(e)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", e, err)
			continue
		}
		if _, err := f.Match(sampleRecord); err == nil {
			t.Errorf("Match(%q) succeeded, want an error", e)
		}
	}
}

func TestFilterProperties(t *testing.T) {
	f, err := ParseFilter(`substringof('a', OrgName) or tolower(OrgName) eq 'b' and OrgId eq 1`)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(f.Properties(), ",")
	if got != "OrgName,OrgId" {
		t.Fatalf("Properties = %s", got)
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		`OrgName eq 'Acme'`, `tolower(OrgName) eq 'o''brien'`, `substringof('x', OrgName) or OrgId eq 5`,
		`not (Flag eq true) and OrgType eq null`, `OrgId ge 9.5e3M`, `length(trim(OrgRef)) lt 10`,
		`((OrgRef eq 'a'))`, `'`, `(`, `-`, `1e`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err != nil {
			return
		}
		canon := flt.String()
		again, err := ParseFilter(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
		}
		if again.String() != canon {
			t.Fatalf("canonical form not stable: %q -> %q", canon, again.String())
		}
		m1, e1 := flt.Match(sampleRecord)
		m2, e2 := again.Match(sampleRecord)
		if m1 != m2 || (e1 == nil) != (e2 == nil) {
			t.Fatalf("%q and its canonical form %q evaluate differently", s, canon)
		}
	})
}
