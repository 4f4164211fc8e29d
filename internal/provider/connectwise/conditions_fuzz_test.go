package connectwise

import (
	"math"
	"strings"
	"testing"

	cwsim "github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
)

// FuzzConditionParsesAndPrintsBack: any condition the CW grammar accepts, rebuilt with the
// client's builder and printed, parses again to an equivalent condition. The builder is the
// only way the client writes conditions, so this covers every value, operator and nesting it
// can send, not only the shapes the client uses today.
func FuzzConditionParsesAndPrintsBack(f *testing.F) {
	for _, s := range []string{
		`status/id in (1,42) and deletedFlag=false`, `name="Bob \"The\" \\ Builder"`, `a=1 or not (b<2)`,
		`_info/lastUpdated > [2024-01-01T00:00:00Z]`, `name not like 'x%' or identifier contains "Acme"`,
		`(a=1 or b=2) and (c=3 or d!=null)`, `a=1 and (b=2 and c=3)`, `x not in ("a",'b', 3) and y >= -3`,
		`not (not (a = true))`, `Summary Not Contains "Low"`, `a=1 or b=2 and c=3`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parsed, err := cwsim.ParseConditions(s)
		if err != nil {
			return
		}
		built, ok := rebuild(parsed)
		if !ok {
			return
		}
		printed := built.String()
		again, err := cwsim.ParseConditions(printed)
		if err != nil {
			t.Fatalf("%q was printed as %q, which does not parse: %v", s, printed, err)
		}
		if want, got := normalForm(parsed), normalForm(again); want != got {
			t.Fatalf("%q was printed as %q, which means something else:\n want %s\n got  %s", s, printed, want, got)
		}
	})
}

// rebuild expresses a parsed condition with the client's builder. ok is false for what the
// builder deliberately cannot write: fractional numbers, and dates with sub-second precision
// (it writes whole seconds, the form CW documents).
func rebuild(e cwsim.Expr) (Cond, bool) {
	switch e := e.(type) {
	case cwsim.AndExpr:
		l, ok1 := rebuild(e.L)
		r, ok2 := rebuild(e.R)
		return And(l, r), ok1 && ok2
	case cwsim.OrExpr:
		l, ok1 := rebuild(e.L)
		r, ok2 := rebuild(e.R)
		return Or(l, r), ok1 && ok2
	case cwsim.NotExpr:
		x, ok := rebuild(e.X)
		return Not(x), ok
	case cwsim.Comparison:
		field := strings.Join(e.Path, "/")
		vals := make([]Value, len(e.Values))
		for i, l := range e.Values {
			v, ok := value(l)
			if !ok {
				return nil, false
			}
			vals[i] = v
		}
		var c Cond
		switch e.Op {
		case "=":
			c = Eq(field, vals[0])
		case "!=":
			c = Ne(field, vals[0])
		case "<":
			c = Lt(field, vals[0])
		case "<=":
			c = Le(field, vals[0])
		case ">":
			c = Gt(field, vals[0])
		case ">=":
			c = Ge(field, vals[0])
		case "like":
			c = Like(field, e.Values[0].Str)
		case "contains":
			c = Contains(field, e.Values[0].Str)
		case "in":
			if e.Negated {
				return NotIn(field, vals...), true
			}
			return In(field, vals...), true
		default:
			return nil, false
		}
		if e.Negated { // `not like` / `not contains`: the builder writes not (...)
			c = Not(c)
		}
		return c, true
	}
	return nil, false
}

func value(l cwsim.Literal) (Value, bool) {
	switch l.Kind {
	case cwsim.LitString:
		return Str(l.Str), true
	case cwsim.LitNumber:
		if l.Num != math.Trunc(l.Num) || math.Abs(l.Num) > 1<<53 {
			return nil, false
		}
		return Int(int(l.Num)), true
	case cwsim.LitBool:
		return Bool(l.Bool), true
	case cwsim.LitNull:
		return Null{}, true
	case cwsim.LitDate:
		if l.Time.Nanosecond() != 0 {
			return nil, false
		}
		return Date(l.Time), true
	}
	return nil, false
}

// normalForm prints a condition up to equivalences that do not change its meaning: and/or are
// associative (a and (b and c) = (a and b) and c), and `x not like v` = `not (x like v)`.
func normalForm(e cwsim.Expr) string {
	switch e := e.(type) {
	case cwsim.AndExpr, cwsim.OrExpr:
		op := "or"
		if _, isAnd := e.(cwsim.AndExpr); isAnd {
			op = "and"
		}
		var parts []string
		for _, term := range flatten(e, op) {
			parts = append(parts, normalForm(term))
		}
		return op + "(" + strings.Join(parts, ", ") + ")"
	case cwsim.NotExpr:
		return "not(" + normalForm(e.X) + ")"
	case cwsim.Comparison:
		if e.Negated && e.Op != "in" {
			e.Negated = false
			return "not(" + e.String() + ")"
		}
		return e.String()
	}
	return "?"
}

func flatten(e cwsim.Expr, op string) []cwsim.Expr {
	switch x := e.(type) {
	case cwsim.AndExpr:
		if op == "and" {
			return append(flatten(x.L, op), flatten(x.R, op)...)
		}
	case cwsim.OrExpr:
		if op == "or" {
			return append(flatten(x.L, op), flatten(x.R, op)...)
		}
	}
	return []cwsim.Expr{e}
}
