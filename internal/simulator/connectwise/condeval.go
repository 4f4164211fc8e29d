package connectwise

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Binding a parsed expression to a record type resolves every path against the struct's JSON
// field names (case-insensitively, as CW does: its guide writes both `Board/Id` and `board/id`)
// and type-checks every literal, so an unknown field or a string compared with a number is a 400
// before any record is looked at. Evaluation then follows SQL semantics, which CW translates to:
// string comparisons ignore case (SQL Server's default collation) and a null never matches
// anything except `= null`.

// Matcher tests one record.
type Matcher func(record reflect.Value) bool

type stepKind int

const (
	stepField stepKind = iota // struct field by index
	stepMap                   // map[string]string key, case-insensitive
	stepSlice                 // every element (childConditions only)
	stepDeref                 // pointer; nil is null
)

type step struct {
	kind  stepKind
	index int
	key   string
}

type leafKind int

const (
	leafString leafKind = iota
	leafInt
	leafFloat
	leafBool
)

// BindConditions compiles e for records of type t. With child set, every path must cross exactly
// one array (childConditions such as `types/id in (5)`); otherwise no path may cross one, since
// plain conditions cannot address array members.
func BindConditions(e Expr, t reflect.Type, child bool) (Matcher, error) {
	switch x := e.(type) {
	case AndExpr:
		l, err := BindConditions(x.L, t, child)
		if err != nil {
			return nil, err
		}
		r, err := BindConditions(x.R, t, child)
		if err != nil {
			return nil, err
		}
		return func(v reflect.Value) bool { return l(v) && r(v) }, nil
	case OrExpr:
		l, err := BindConditions(x.L, t, child)
		if err != nil {
			return nil, err
		}
		r, err := BindConditions(x.R, t, child)
		if err != nil {
			return nil, err
		}
		return func(v reflect.Value) bool { return l(v) || r(v) }, nil
	case NotExpr:
		inner, err := BindConditions(x.X, t, child)
		if err != nil {
			return nil, err
		}
		return func(v reflect.Value) bool { return !inner(v) }, nil
	case Comparison:
		return bindComparison(x, t, child)
	}
	return nil, &ConditionError{Pos: -1, Msg: fmt.Sprintf("unsupported expression %T", e)}
}

// resolvePath walks t along path and returns the steps and the leaf kind.
func resolvePath(t reflect.Type, path []string, child bool) ([]step, leafKind, error) {
	var steps []step
	crossed := 0
	name := strings.Join(path, "/")
	for _, seg := range path {
		for {
			switch t.Kind() {
			case reflect.Pointer:
				steps = append(steps, step{kind: stepDeref})
				t = t.Elem()
				continue
			case reflect.Slice:
				if !child {
					return nil, 0, &ConditionError{Pos: -1, Msg: fmt.Sprintf("%s is an array: use childConditions", name)}
				}
				crossed++
				steps = append(steps, step{kind: stepSlice})
				t = t.Elem()
				continue
			}
			break
		}
		switch t.Kind() {
		case reflect.Struct:
			idx := fieldByJSONName(t, seg)
			if idx < 0 {
				return nil, 0, &ConditionError{Pos: -1, Msg: fmt.Sprintf("unknown field %s", name)}
			}
			steps = append(steps, step{kind: stepField, index: idx})
			t = t.Field(idx).Type
		case reflect.Map:
			steps = append(steps, step{kind: stepMap, key: seg})
			t = t.Elem()
		default:
			return nil, 0, &ConditionError{Pos: -1, Msg: fmt.Sprintf("unknown field %s", name)}
		}
	}
	for t.Kind() == reflect.Pointer {
		steps = append(steps, step{kind: stepDeref})
		t = t.Elem()
	}
	if crossed > 1 || (child && crossed == 0) {
		return nil, 0, &ConditionError{Pos: -1, Msg: fmt.Sprintf("%s: childConditions must address members of one array", name)}
	}
	switch t.Kind() {
	case reflect.String:
		return steps, leafString, nil
	case reflect.Int, reflect.Int64, reflect.Int32:
		return steps, leafInt, nil
	case reflect.Float64, reflect.Float32:
		return steps, leafFloat, nil
	case reflect.Bool:
		return steps, leafBool, nil
	}
	return nil, 0, &ConditionError{Pos: -1, Msg: fmt.Sprintf("%s is an object or array: compare one of its fields (e.g. %s/id)", name, name)}
}

func fieldByJSONName(t reflect.Type, name string) int {
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag != "" && tag != "-" && strings.EqualFold(tag, name) {
			return i
		}
	}
	return -1
}

// compatible reports whether a literal of kind lk may be compared with a leaf of kind k.
func compatible(k leafKind, lk LiteralKind) bool {
	if lk == LitNull {
		return true
	}
	switch k {
	case leafString:
		return lk == LitString || lk == LitDate
	case leafInt, leafFloat:
		return lk == LitNumber
	case leafBool:
		return lk == LitBool
	}
	return false
}

func bindComparison(c Comparison, t reflect.Type, child bool) (Matcher, error) {
	steps, kind, err := resolvePath(t, c.Path, child)
	if err != nil {
		return nil, err
	}
	name := strings.Join(c.Path, "/")
	switch c.Op {
	case "like", "contains":
		if kind != leafString {
			return nil, &ConditionError{Pos: -1, Msg: fmt.Sprintf("%s applies to text fields; %s is not text", c.Op, name)}
		}
	case "<", "<=", ">", ">=":
		if kind == leafBool {
			return nil, &ConditionError{Pos: -1, Msg: fmt.Sprintf("%s cannot be ordered with %s", name, c.Op)}
		}
	}
	for _, v := range c.Values {
		if !compatible(kind, v.Kind) {
			return nil, &ConditionError{Pos: -1, Msg: fmt.Sprintf("%s cannot be compared with %s", name, v.String())}
		}
	}
	test := leafTest(c, kind)
	return func(record reflect.Value) bool {
		matched := false
		walk(record, steps, func(leaf reflect.Value, null bool) bool {
			if test(leaf, null) {
				matched = true
				return false
			}
			return true
		})
		return matched
	}, nil
}

// walk calls visit for every leaf reached by steps (several through an array); visit returns
// false to stop early.
func walk(v reflect.Value, steps []step, visit func(leaf reflect.Value, null bool) bool) bool {
	if len(steps) == 0 {
		return visit(v, false)
	}
	s := steps[0]
	switch s.kind {
	case stepDeref:
		if v.IsNil() {
			return visit(reflect.Value{}, true)
		}
		return walk(v.Elem(), steps[1:], visit)
	case stepField:
		return walk(v.Field(s.index), steps[1:], visit)
	case stepMap:
		iter := v.MapRange()
		for iter.Next() {
			if strings.EqualFold(iter.Key().String(), s.key) {
				return walk(iter.Value(), steps[1:], visit)
			}
		}
		return visit(reflect.Value{}, true)
	default: // stepSlice
		for i := 0; i < v.Len(); i++ {
			if !walk(v.Index(i), steps[1:], visit) {
				return false
			}
		}
		return true
	}
}

// leafTest builds the per-leaf predicate of c, including its negation.
func leafTest(c Comparison, kind leafKind) func(reflect.Value, bool) bool {
	var pattern []rune
	if c.Op == "like" {
		pattern = []rune(strings.ToLower(c.Values[0].Str))
	}
	return func(leaf reflect.Value, null bool) bool {
		if !null && kind == leafString && leaf.String() == "" {
			null = true // the API omits empty text, so clients can only see it as null
		}
		if c.Values[0].Kind == LitNull {
			if c.Op == "=" {
				return null
			}
			return !null
		}
		if null {
			return false // SQL: a comparison with null is unknown, and so is its negation
		}
		var ok bool
		switch c.Op {
		case "in":
			for _, v := range c.Values {
				if cmpLeaf(leaf, kind, v) == 0 {
					ok = true
					break
				}
			}
		case "like":
			ok = likeMatch([]rune(strings.ToLower(leaf.String())), pattern)
		case "contains":
			ok = strings.Contains(strings.ToLower(leaf.String()), strings.ToLower(c.Values[0].Str))
		default:
			r := cmpLeaf(leaf, kind, c.Values[0])
			if r == cmpIncomparable {
				return false
			}
			switch c.Op {
			case "=":
				ok = r == 0
			case "!=":
				ok = r != 0
			case "<":
				ok = r < 0
			case "<=":
				ok = r <= 0
			case ">":
				ok = r > 0
			case ">=":
				ok = r >= 0
			}
		}
		if c.Negated {
			return !ok
		}
		return ok
	}
}

// cmpIncomparable is returned when a text field holds no valid timestamp for a date literal.
const cmpIncomparable = 2

func cmpLeaf(leaf reflect.Value, kind leafKind, lit Literal) int {
	switch kind {
	case leafString:
		if lit.Kind == LitDate {
			t, err := time.Parse(time.RFC3339Nano, leaf.String())
			if err != nil {
				return cmpIncomparable
			}
			return t.Compare(lit.Time)
		}
		return strings.Compare(strings.ToLower(leaf.String()), strings.ToLower(lit.Str))
	case leafInt:
		return cmpFloat(float64(leaf.Int()), lit.Num)
	case leafFloat:
		return cmpFloat(leaf.Float(), lit.Num)
	default:
		if leaf.Bool() == lit.Bool {
			return 0
		}
		return 1
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// likeMatch matches SQL-style patterns: % and * for any run, _ for one character. The CW guide
// documents % (like) and * (string wildcards); both are accepted.
func likeMatch(s, p []rune) bool {
	si, pi := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '_' || p[pi] == s[si]):
			si++
			pi++
		case pi < len(p) && (p[pi] == '%' || p[pi] == '*'):
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && (p[pi] == '%' || p[pi] == '*') {
		pi++
	}
	return pi == len(p)
}
