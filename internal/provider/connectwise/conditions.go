package connectwise

import (
	"strconv"
	"strings"
	"time"
)

// A small typed builder for CW's `conditions` language, so no call site concatenates user data
// into a query: every value is rendered by its type, strings are always quoted and escaped.
//
//	And(In("status/id", Int(17)), Eq("deletedFlag", Bool(false))).String()
//	  == `status/id in (17) and deletedFlag=false`
//
// Symbol operators are written without spaces (`name="Acme"`), word operators with them
// (`status/id in (1,42)`), matching the examples in CW's developer guide.

// Cond is a condition expression.
type Cond interface {
	String() string
	cond()
}

// Value is a typed literal.
type Value interface {
	literal() string
}

// Str is a string literal.
type Str string

// Int is an integer literal.
type Int int

// Bool is a boolean literal.
type Bool bool

// Date is a timestamp literal, written [2006-01-02T15:04:05Z].
type Date time.Time

// Null is the null literal.
type Null struct{}

func (s Str) literal() string  { return quote(string(s)) }
func (n Int) literal() string  { return strconv.Itoa(int(n)) }
func (b Bool) literal() string { return strconv.FormatBool(bool(b)) }
func (d Date) literal() string { return "[" + time.Time(d).UTC().Format(time.RFC3339) + "]" }
func (Null) literal() string   { return "null" }

// quote renders a CW string literal: double quotes, with `\` and `"` escaped by a backslash.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' || s[i] == '"' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

type comparison struct {
	field string
	op    string
	vals  []Value
}

func (comparison) cond() {}

func (c comparison) String() string {
	switch c.op {
	case "in", "not in":
		parts := make([]string, len(c.vals))
		for i, v := range c.vals {
			parts[i] = v.literal()
		}
		return c.field + " " + c.op + " (" + strings.Join(parts, ",") + ")"
	case "contains", "like", "not contains", "not like":
		return c.field + " " + c.op + " " + c.vals[0].literal()
	}
	return c.field + c.op + c.vals[0].literal()
}

// Eq is field=v.
func Eq(field string, v Value) Cond { return comparison{field, "=", []Value{v}} }

// Ne is field!=v.
func Ne(field string, v Value) Cond { return comparison{field, "!=", []Value{v}} }

// Lt is field<v.
func Lt(field string, v Value) Cond { return comparison{field, "<", []Value{v}} }

// Le is field<=v.
func Le(field string, v Value) Cond { return comparison{field, "<=", []Value{v}} }

// Gt is field>v.
func Gt(field string, v Value) Cond { return comparison{field, ">", []Value{v}} }

// Ge is field>=v.
func Ge(field string, v Value) Cond { return comparison{field, ">=", []Value{v}} }

// Contains is `field contains "s"`.
func Contains(field, s string) Cond { return comparison{field, "contains", []Value{Str(s)}} }

// Like is `field like "pattern"` (% is the wildcard).
func Like(field, pattern string) Cond { return comparison{field, "like", []Value{Str(pattern)}} }

// In is `field in (v1,v2)`; it needs at least one value.
func In(field string, vals ...Value) Cond { return comparison{field, "in", vals} }

// NotIn is `field not in (v1,v2)`; it needs at least one value.
func NotIn(field string, vals ...Value) Cond { return comparison{field, "not in", vals} }

// Ints converts ids to values for In / NotIn.
func Ints(ids []int) []Value {
	out := make([]Value, len(ids))
	for i, id := range ids {
		out[i] = Int(id)
	}
	return out
}

type junction struct {
	op    string // "and" | "or"
	terms []Cond
}

func (junction) cond() {}

func (j junction) String() string {
	parts := make([]string, 0, len(j.terms))
	for _, t := range j.terms {
		s := t.String()
		// `and` binds tighter than `or`, so only an or inside an and needs parentheses.
		if inner, ok := t.(junction); ok && inner.op == "or" && j.op == "and" && len(inner.terms) > 1 {
			s = "(" + s + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " "+j.op+" ")
}

// And joins conditions with `and`; a single condition is returned as it is.
func And(cs ...Cond) Cond { return join("and", cs) }

// Or joins conditions with `or`; a single condition is returned as it is.
func Or(cs ...Cond) Cond { return join("or", cs) }

func join(op string, cs []Cond) Cond {
	if len(cs) == 1 {
		return cs[0]
	}
	return junction{op: op, terms: cs}
}

type negation struct{ c Cond }

func (negation) cond() {}

func (n negation) String() string { return "not (" + n.c.String() + ")" }

// Not negates a condition.
func Not(c Cond) Cond { return negation{c} }
