package kaseyavsa

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// Filter is a parsed OData v3 $filter expression, the subset VSA's REST API is used with:
// comparisons (eq ne gt ge lt le), and / or / not, parentheses, string literals in single quotes
// with a doubled single quote as the escaped quote, numbers (optionally with an L/M/D/F type suffix), true / false /
// null, and the functions substringof, startswith, endswith, tolower, toupper, trim and length.
// String comparison is ordinal and case-sensitive, as OData defines it; a client that wants a
// case-insensitive match says so with tolower().
type Filter struct {
	root node
}

// maxDepth bounds nesting so a hostile filter cannot exhaust the stack.
const maxDepth = 64

// ParseFilter parses s. The error text is what the simulator returns in a 400 envelope.
func ParseFilter(s string) (*Filter, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	root, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, fmt.Errorf("syntax error at position %d: unexpected %q", t.pos, t.text)
	}
	return &Filter{root: root}, nil
}

// String renders the filter in a canonical, fully parenthesised form that parses back to the
// same tree.
func (f *Filter) String() string { return f.root.String() }

// Properties lists the property names the filter refers to, so a caller can reject unknown ones
// the way the real server does before touching any record.
func (f *Filter) Properties() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(n node)
	walk = func(n node) {
		switch n := n.(type) {
		case propNode:
			if !seen[string(n)] {
				seen[string(n)] = true
				out = append(out, string(n))
			}
		case unaryNode:
			walk(n.x)
		case binaryNode:
			walk(n.l)
			walk(n.r)
		case callNode:
			for _, a := range n.args {
				walk(a)
			}
		}
	}
	walk(f.root)
	return out
}

// Match evaluates the filter against one record. Record values may be string, json.Number,
// int, int64, float64, bool or nil; a property missing from rec is an error.
func (f *Filter) Match(rec map[string]any) (bool, error) {
	v, err := f.root.eval(rec)
	if err != nil {
		return false, err
	}
	switch v.kind {
	case kindBool:
		return v.b, nil
	case kindNull:
		return false, nil
	default:
		return false, fmt.Errorf("the $filter expression must evaluate to a boolean, not %s", v.kind)
	}
}

// ---- values ------------------------------------------------------------------------------

type valueKind int

const (
	kindNull valueKind = iota
	kindString
	kindNumber
	kindBool
)

func (k valueKind) String() string {
	return [...]string{"null", "Edm.String", "number", "Edm.Boolean"}[k]
}

type value struct {
	kind valueKind
	s    string
	n    *big.Rat
	b    bool
}

func fromGo(x any) (value, error) {
	switch x := x.(type) {
	case nil:
		return value{kind: kindNull}, nil
	case string:
		return value{kind: kindString, s: x}, nil
	case bool:
		return value{kind: kindBool, b: x}, nil
	case json.Number:
		r, ok := new(big.Rat).SetString(string(x))
		if !ok {
			return value{}, fmt.Errorf("bad number %q", x)
		}
		return value{kind: kindNumber, n: r}, nil
	case int:
		return value{kind: kindNumber, n: new(big.Rat).SetInt64(int64(x))}, nil
	case int64:
		return value{kind: kindNumber, n: new(big.Rat).SetInt64(x)}, nil
	case float64:
		r := new(big.Rat)
		if r.SetFloat64(x) == nil {
			return value{}, fmt.Errorf("bad number %v", x)
		}
		return value{kind: kindNumber, n: r}, nil
	default:
		return value{}, fmt.Errorf("unsupported property type %T", x)
	}
}

// ---- syntax tree -------------------------------------------------------------------------

type node interface {
	eval(rec map[string]any) (value, error)
	String() string
}

type litNode struct {
	v    value
	text string // canonical literal text
}

func (n litNode) eval(map[string]any) (value, error) { return n.v, nil }
func (n litNode) String() string                     { return n.text }

type propNode string

func (n propNode) eval(rec map[string]any) (value, error) {
	x, ok := rec[string(n)]
	if !ok {
		return value{}, fmt.Errorf("could not find a property named '%s'", string(n))
	}
	return fromGo(x)
}
func (n propNode) String() string { return string(n) }

type unaryNode struct{ x node } // the only unary operator is "not"

func (n unaryNode) eval(rec map[string]any) (value, error) {
	v, err := n.x.eval(rec)
	if err != nil {
		return value{}, err
	}
	switch v.kind {
	case kindNull:
		return v, nil
	case kindBool:
		return value{kind: kindBool, b: !v.b}, nil
	}
	return value{}, fmt.Errorf("operator 'not' needs a boolean operand, not %s", v.kind)
}
func (n unaryNode) String() string { return "not (" + n.x.String() + ")" }

type binaryNode struct {
	op   string
	l, r node
}

func (n binaryNode) String() string {
	return "(" + n.l.String() + " " + n.op + " " + n.r.String() + ")"
}

func (n binaryNode) eval(rec map[string]any) (value, error) {
	l, err := n.l.eval(rec)
	if err != nil {
		return value{}, err
	}
	r, err := n.r.eval(rec)
	if err != nil {
		return value{}, err
	}
	switch n.op {
	case "and", "or":
		return logical(n.op, l, r)
	default:
		return compare(n.op, l, r)
	}
}

// logical follows OData's three-valued logic: null behaves as "unknown".
func logical(op string, l, r value) (value, error) {
	for _, v := range []value{l, r} {
		if v.kind != kindBool && v.kind != kindNull {
			return value{}, fmt.Errorf("operator '%s' needs boolean operands, not %s", op, v.kind)
		}
	}
	t := func(v value) bool { return v.kind == kindBool && v.b }
	f := func(v value) bool { return v.kind == kindBool && !v.b }
	if op == "and" {
		switch {
		case f(l) || f(r):
			return value{kind: kindBool, b: false}, nil
		case t(l) && t(r):
			return value{kind: kindBool, b: true}, nil
		}
		return value{kind: kindNull}, nil
	}
	switch {
	case t(l) || t(r):
		return value{kind: kindBool, b: true}, nil
	case f(l) && f(r):
		return value{kind: kindBool, b: false}, nil
	}
	return value{kind: kindNull}, nil
}

func compare(op string, l, r value) (value, error) {
	if l.kind == kindNull || r.kind == kindNull {
		switch op {
		case "eq":
			return value{kind: kindBool, b: l.kind == r.kind}, nil
		case "ne":
			return value{kind: kindBool, b: l.kind != r.kind}, nil
		}
		return value{kind: kindBool, b: false}, nil
	}
	if l.kind != r.kind {
		return value{}, fmt.Errorf("a binary operator with incompatible types was detected: found operand types '%s' and '%s' for operator kind '%s'", l.kind, r.kind, op)
	}
	var c int
	switch l.kind {
	case kindString:
		c = strings.Compare(l.s, r.s)
	case kindNumber:
		c = l.n.Cmp(r.n)
	case kindBool:
		if op != "eq" && op != "ne" {
			return value{}, fmt.Errorf("operator '%s' is not defined for %s", op, l.kind)
		}
		if l.b != r.b {
			c = 1
		}
	}
	var b bool
	switch op {
	case "eq":
		b = c == 0
	case "ne":
		b = c != 0
	case "gt":
		b = c > 0
	case "ge":
		b = c >= 0
	case "lt":
		b = c < 0
	case "le":
		b = c <= 0
	}
	return value{kind: kindBool, b: b}, nil
}

type callNode struct {
	name string
	args []node
}

func (n callNode) String() string {
	parts := make([]string, len(n.args))
	for i, a := range n.args {
		parts[i] = a.String()
	}
	return n.name + "(" + strings.Join(parts, ", ") + ")"
}

// functions maps each supported canonical function to its arity.
var functions = map[string]int{
	"substringof": 2, "startswith": 2, "endswith": 2,
	"tolower": 1, "toupper": 1, "trim": 1, "length": 1,
}

func (n callNode) eval(rec map[string]any) (value, error) {
	args := make([]value, len(n.args))
	for i, a := range n.args {
		v, err := a.eval(rec)
		if err != nil {
			return value{}, err
		}
		if v.kind == kindNull {
			return value{kind: kindNull}, nil // OData functions propagate null
		}
		if v.kind != kindString {
			return value{}, fmt.Errorf("no function signature for the function with name '%s' matches the specified arguments (%s)", n.name, v.kind)
		}
		args[i] = v
	}
	str := func(s string) value { return value{kind: kindString, s: s} }
	boolean := func(b bool) value { return value{kind: kindBool, b: b} }
	switch n.name {
	case "substringof": // OData v3 order: substringof(needle, haystack)
		return boolean(strings.Contains(args[1].s, args[0].s)), nil
	case "startswith":
		return boolean(strings.HasPrefix(args[0].s, args[1].s)), nil
	case "endswith":
		return boolean(strings.HasSuffix(args[0].s, args[1].s)), nil
	case "tolower":
		return str(strings.ToLower(args[0].s)), nil
	case "toupper":
		return str(strings.ToUpper(args[0].s)), nil
	case "trim":
		return str(strings.TrimSpace(args[0].s)), nil
	case "length":
		return value{kind: kindNumber, n: new(big.Rat).SetInt64(int64(len([]rune(args[0].s))))}, nil
	}
	return value{}, fmt.Errorf("unknown function '%s'", n.name)
}

// ---- parser ------------------------------------------------------------------------------

var comparisonOps = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}

// reserved words cannot name a property.
var reserved = map[string]bool{
	"and": true, "or": true, "not": true, "true": true, "false": true, "null": true,
	"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true,
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tokIdent && t.text == w
}

func (p *parser) parseOr(depth int) (node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("the $filter expression is nested too deeply")
	}
	left, err := p.parseAnd(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		p.next()
		right, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		left = binaryNode{op: "or", l: left, r: right}
	}
	return left, nil
}

func (p *parser) parseAnd(depth int) (node, error) {
	left, err := p.parseUnary(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		p.next()
		right, err := p.parseUnary(depth)
		if err != nil {
			return nil, err
		}
		left = binaryNode{op: "and", l: left, r: right}
	}
	return left, nil
}

func (p *parser) parseUnary(depth int) (node, error) {
	if p.isWord("not") {
		p.next()
		if depth+1 > maxDepth {
			return nil, fmt.Errorf("the $filter expression is nested too deeply")
		}
		x, err := p.parseUnary(depth + 1)
		if err != nil {
			return nil, err
		}
		return unaryNode{x: x}, nil
	}
	left, err := p.parsePrimary(depth)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tokIdent && comparisonOps[t.text] {
		p.next()
		right, err := p.parsePrimary(depth)
		if err != nil {
			return nil, err
		}
		return binaryNode{op: t.text, l: left, r: right}, nil
	}
	return left, nil
}

func (p *parser) parsePrimary(depth int) (node, error) {
	t := p.next()
	switch t.kind {
	case tokLParen:
		x, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, fmt.Errorf("syntax error at position %d: ')' expected", c.pos)
		}
		return x, nil
	case tokString:
		return litNode{v: value{kind: kindString, s: t.text}, text: quote(t.text)}, nil
	case tokNumber:
		r, ok := new(big.Rat).SetString(t.text)
		if !ok {
			return nil, fmt.Errorf("syntax error at position %d: bad number %q", t.pos, t.text)
		}
		return litNode{v: value{kind: kindNumber, n: r}, text: t.text}, nil
	case tokIdent:
		switch t.text {
		case "true", "false":
			return litNode{v: value{kind: kindBool, b: t.text == "true"}, text: t.text}, nil
		case "null":
			return litNode{v: value{kind: kindNull}, text: "null"}, nil
		}
		if p.peek().kind == tokLParen {
			return p.parseCall(t, depth)
		}
		if reserved[t.text] {
			return nil, fmt.Errorf("syntax error at position %d: unexpected keyword '%s'", t.pos, t.text)
		}
		return propNode(t.text), nil
	case tokEOF:
		return nil, fmt.Errorf("syntax error: expression expected at end of $filter")
	}
	return nil, fmt.Errorf("syntax error at position %d: unexpected %q", t.pos, t.text)
}

func (p *parser) parseCall(name token, depth int) (node, error) {
	arity, ok := functions[name.text]
	if !ok {
		return nil, fmt.Errorf("unknown function '%s' at position %d", name.text, name.pos)
	}
	p.next() // '('
	var args []node
	if p.peek().kind != tokRParen {
		for {
			a, err := p.parseOr(depth + 1)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if p.peek().kind != tokComma {
				break
			}
			p.next()
		}
	}
	if c := p.next(); c.kind != tokRParen {
		return nil, fmt.Errorf("syntax error at position %d: ')' expected", c.pos)
	}
	if len(args) != arity {
		return nil, fmt.Errorf("function '%s' takes %d argument(s), got %d", name.text, arity, len(args))
	}
	return callNode{name: name.text, args: args}, nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
