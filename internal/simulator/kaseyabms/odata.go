package kaseyabms

import (
	"fmt"
	"strconv"
	"strings"
)

// This file is the simulator's OData v3 $filter parser: a lexer, a recursive-descent parser that
// type-checks against a resource schema, and an evaluator. It accepts the subset the BMS V1 API
// is known to be called with (eq/ne, and/or/not, parentheses, tolower/toupper/trim,
// substringof/startswith/endswith, gt/ge/lt/le on numbers and strings, true/false/null literals)
// and rejects everything else with an error, as the real server answers 400 to a filter it
// cannot parse. Keywords and function names are lowercase only, as in OData.

// kind is the type of a filter expression or a record property.
type kind uint8

const (
	kindNull kind = iota // the null literal (compatible with every type)
	kindString
	kindInt
	kindBool
)

func (k kind) String() string {
	switch k {
	case kindString:
		return "Edm.String"
	case kindInt:
		return "Edm.Int64"
	case kindBool:
		return "Edm.Boolean"
	default:
		return "null"
	}
}

// value is one scalar at evaluation time; null is kind == kindNull.
type value struct {
	k kind
	s string
	i int64
	b bool
}

var null = value{}

func str(s string) value   { return value{k: kindString, s: s} }
func num(i int64) value    { return value{k: kindInt, i: i} }
func boolean(b bool) value { return value{k: kindBool, b: b} }

// optNum maps the simulator's "0 means none" convention for foreign keys to OData null.
func optNum(i int64) value {
	if i == 0 {
		return null
	}
	return num(i)
}

// schema lists the filterable properties of a resource and their types.
type schema map[string]kind

// record is a resource's properties as the evaluator sees them.
type record map[string]value

// expr is a type-checked filter expression.
type expr interface {
	typ() kind
	eval(r record) value
}

// maxFilterLen and maxDepth bound the work one request can cause (and the parser's recursion).
const (
	maxFilterLen = 4096
	maxDepth     = 64
)

// filterError is a $filter the server refuses; its text goes into the 400 envelope.
type filterError struct {
	pos int
	msg string
}

func (e *filterError) Error() string {
	return fmt.Sprintf("syntax error at position %d: %s", e.pos, e.msg)
}

// ---- lexer -----------------------------------------------------------------------------------

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokInt
	tokLParen
	tokRParen
	tokComma
)

type token struct {
	k   tokKind
	s   string // identifier text or decoded string literal
	i   int64
	pos int
}

func lex(src string) ([]token, error) {
	var out []token
	for p := 0; p < len(src); {
		c := src[p]
		switch {
		case c == ' ' || c == '\t':
			p++
		case c == '(':
			out = append(out, token{k: tokLParen, pos: p})
			p++
		case c == ')':
			out = append(out, token{k: tokRParen, pos: p})
			p++
		case c == ',':
			out = append(out, token{k: tokComma, pos: p})
			p++
		case c == '\'':
			start := p
			var b strings.Builder
			p++
			closed := false
			for p < len(src) {
				if src[p] == '\'' {
					if p+1 < len(src) && src[p+1] == '\'' { // '' is an escaped quote
						b.WriteByte('\'')
						p += 2
						continue
					}
					p++
					closed = true
					break
				}
				b.WriteByte(src[p])
				p++
			}
			if !closed {
				return nil, &filterError{start, "unterminated string literal"}
			}
			out = append(out, token{k: tokString, s: b.String(), pos: start})
		case isDigit(c) || (c == '-' && p+1 < len(src) && isDigit(src[p+1])):
			start := p
			p++
			for p < len(src) && isDigit(src[p]) {
				p++
			}
			if p < len(src) && isIdentChar(src[p]) {
				return nil, &filterError{start, "malformed number"}
			}
			n, err := strconv.ParseInt(src[start:p], 10, 64)
			if err != nil {
				return nil, &filterError{start, "number out of range"}
			}
			out = append(out, token{k: tokInt, i: n, pos: start})
		case isIdentStart(c):
			start := p
			for p < len(src) && isIdentChar(src[p]) {
				p++
			}
			out = append(out, token{k: tokIdent, s: src[start:p], pos: start})
		default:
			return nil, &filterError{p, fmt.Sprintf("unexpected character %q", c)}
		}
	}
	return append(out, token{k: tokEOF, pos: len(src)}), nil
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) }

// ---- parser ----------------------------------------------------------------------------------

type parser struct {
	toks  []token
	p     int
	sch   schema
	depth int
}

// parseFilter parses and type-checks src against sch. The result is a boolean expression.
func parseFilter(src string, sch schema) (expr, error) {
	if len(src) > maxFilterLen {
		return nil, &filterError{maxFilterLen, "filter is too long"}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	ps := &parser{toks: toks, sch: sch}
	e, err := ps.parseOr()
	if err != nil {
		return nil, err
	}
	if t := ps.peek(); t.k != tokEOF {
		return nil, &filterError{t.pos, "unexpected token after end of expression"}
	}
	if e.typ() != kindBool {
		return nil, &filterError{0, "the $filter expression must evaluate to Edm.Boolean"}
	}
	return e, nil
}

func (ps *parser) peek() token { return ps.toks[ps.p] }

func (ps *parser) next() token {
	t := ps.toks[ps.p]
	if t.k != tokEOF {
		ps.p++
	}
	return t
}

func (ps *parser) isKeyword(word string) bool {
	t := ps.peek()
	return t.k == tokIdent && t.s == word
}

func (ps *parser) enter(pos int) error {
	ps.depth++
	if ps.depth > maxDepth {
		return &filterError{pos, "expression is nested too deeply"}
	}
	return nil
}

func (ps *parser) leave() { ps.depth-- }

func (ps *parser) parseOr() (expr, error) {
	l, err := ps.parseAnd()
	if err != nil {
		return nil, err
	}
	for ps.isKeyword("or") {
		t := ps.next()
		r, err := ps.parseAnd()
		if err != nil {
			return nil, err
		}
		if l.typ() != kindBool || r.typ() != kindBool {
			return nil, &filterError{t.pos, "operands of 'or' must be Edm.Boolean"}
		}
		l = &logical{and: false, l: l, r: r}
	}
	return l, nil
}

func (ps *parser) parseAnd() (expr, error) {
	l, err := ps.parseNot()
	if err != nil {
		return nil, err
	}
	for ps.isKeyword("and") {
		t := ps.next()
		r, err := ps.parseNot()
		if err != nil {
			return nil, err
		}
		if l.typ() != kindBool || r.typ() != kindBool {
			return nil, &filterError{t.pos, "operands of 'and' must be Edm.Boolean"}
		}
		l = &logical{and: true, l: l, r: r}
	}
	return l, nil
}

func (ps *parser) parseNot() (expr, error) {
	if !ps.isKeyword("not") {
		return ps.parseComparison()
	}
	t := ps.next()
	if err := ps.enter(t.pos); err != nil {
		return nil, err
	}
	defer ps.leave()
	x, err := ps.parseNot()
	if err != nil {
		return nil, err
	}
	if x.typ() != kindBool {
		return nil, &filterError{t.pos, "operand of 'not' must be Edm.Boolean"}
	}
	return &negation{x: x}, nil
}

var comparisonOps = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}

func (ps *parser) parseComparison() (expr, error) {
	l, err := ps.parseOperand()
	if err != nil {
		return nil, err
	}
	t := ps.peek()
	if t.k != tokIdent || !comparisonOps[t.s] {
		return l, nil
	}
	ps.next()
	r, err := ps.parseOperand()
	if err != nil {
		return nil, err
	}
	lk, rk := l.typ(), r.typ()
	if lk != kindNull && rk != kindNull && lk != rk {
		return nil, &filterError{t.pos, fmt.Sprintf("a binary operator with incompatible types was detected: %s and %s for '%s'", lk, rk, t.s)}
	}
	ordered := t.s != "eq" && t.s != "ne"
	if ordered && (lk == kindBool || rk == kindBool) {
		return nil, &filterError{t.pos, fmt.Sprintf("operator '%s' is not defined for Edm.Boolean", t.s)}
	}
	return &comparison{op: t.s, l: l, r: r}, nil
}

func (ps *parser) parseOperand() (expr, error) {
	t := ps.next()
	switch t.k {
	case tokString:
		return literal{str(t.s)}, nil
	case tokInt:
		return literal{num(t.i)}, nil
	case tokLParen:
		if err := ps.enter(t.pos); err != nil {
			return nil, err
		}
		defer ps.leave()
		e, err := ps.parseOr()
		if err != nil {
			return nil, err
		}
		if c := ps.next(); c.k != tokRParen {
			return nil, &filterError{c.pos, "')' expected"}
		}
		return e, nil
	case tokIdent:
		switch t.s {
		case "true":
			return literal{boolean(true)}, nil
		case "false":
			return literal{boolean(false)}, nil
		case "null":
			return literal{null}, nil
		}
		if ps.peek().k == tokLParen {
			return ps.parseCall(t)
		}
		k, ok := ps.sch[t.s]
		if !ok {
			return nil, &filterError{t.pos, fmt.Sprintf("could not find a property named '%s'", t.s)}
		}
		return property{name: t.s, k: k}, nil
	case tokEOF:
		return nil, &filterError{t.pos, "expression expected"}
	default:
		return nil, &filterError{t.pos, "unexpected token"}
	}
}

// functions maps each supported function to its parameter count and result type; every
// parameter is Edm.String.
var functions = map[string]struct {
	arity  int
	result kind
}{
	"tolower":     {1, kindString},
	"toupper":     {1, kindString},
	"trim":        {1, kindString},
	"substringof": {2, kindBool},
	"startswith":  {2, kindBool},
	"endswith":    {2, kindBool},
}

func (ps *parser) parseCall(name token) (expr, error) {
	fn, ok := functions[name.s]
	if !ok {
		return nil, &filterError{name.pos, fmt.Sprintf("unknown function '%s'", name.s)}
	}
	if err := ps.enter(name.pos); err != nil {
		return nil, err
	}
	defer ps.leave()
	ps.next() // '('
	var args []expr
	for {
		a, err := ps.parseOr()
		if err != nil {
			return nil, err
		}
		if a.typ() != kindString && a.typ() != kindNull {
			return nil, &filterError{name.pos, fmt.Sprintf("function '%s' expects Edm.String arguments", name.s)}
		}
		args = append(args, a)
		t := ps.next()
		if t.k == tokRParen {
			break
		}
		if t.k != tokComma {
			return nil, &filterError{t.pos, "',' or ')' expected"}
		}
	}
	if len(args) != fn.arity {
		return nil, &filterError{name.pos, fmt.Sprintf("function '%s' takes %d argument(s), got %d", name.s, fn.arity, len(args))}
	}
	return &call{fn: name.s, args: args, k: fn.result}, nil
}

// ---- evaluation ------------------------------------------------------------------------------

type literal struct{ v value }

func (l literal) typ() kind         { return l.v.k }
func (l literal) eval(record) value { return l.v }

type property struct {
	name string
	k    kind
}

func (p property) typ() kind { return p.k }
func (p property) eval(r record) value {
	return r[p.name] // a missing entry is null
}

type logical struct {
	and  bool
	l, r expr
}

func (x *logical) typ() kind { return kindBool }
func (x *logical) eval(r record) value {
	lv := truthy(x.l.eval(r))
	if x.and {
		return boolean(lv && truthy(x.r.eval(r)))
	}
	return boolean(lv || truthy(x.r.eval(r)))
}

type negation struct{ x expr }

func (n *negation) typ() kind           { return kindBool }
func (n *negation) eval(r record) value { return boolean(!truthy(n.x.eval(r))) }

// truthy treats null as false, as SQL-backed OData providers do in a WHERE clause.
func truthy(v value) bool { return v.k == kindBool && v.b }

type comparison struct {
	op   string
	l, r expr
}

func (c *comparison) typ() kind { return kindBool }
func (c *comparison) eval(r record) value {
	a, b := c.l.eval(r), c.r.eval(r)
	switch c.op {
	case "eq":
		return boolean(equal(a, b))
	case "ne":
		return boolean(!equal(a, b))
	}
	if a.k == kindNull || b.k == kindNull || a.k != b.k {
		return boolean(false)
	}
	var cmp int
	if a.k == kindInt {
		cmp = compareInt(a.i, b.i)
	} else {
		cmp = strings.Compare(a.s, b.s)
	}
	switch c.op {
	case "gt":
		return boolean(cmp > 0)
	case "ge":
		return boolean(cmp >= 0)
	case "lt":
		return boolean(cmp < 0)
	default: // "le"
		return boolean(cmp <= 0)
	}
}

// equal is OData equality: ordinal (case-sensitive) for strings, null equals only null.
func equal(a, b value) bool {
	if a.k != b.k {
		return false
	}
	switch a.k {
	case kindString:
		return a.s == b.s
	case kindInt:
		return a.i == b.i
	case kindBool:
		return a.b == b.b
	default:
		return true
	}
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type call struct {
	fn   string
	args []expr
	k    kind
}

func (c *call) typ() kind { return c.k }
func (c *call) eval(r record) value {
	vals := make([]value, len(c.args))
	for i, a := range c.args {
		vals[i] = a.eval(r)
		if vals[i].k == kindNull {
			if c.k == kindBool {
				return boolean(false)
			}
			return null
		}
	}
	switch c.fn {
	case "tolower":
		return str(strings.ToLower(vals[0].s))
	case "toupper":
		return str(strings.ToUpper(vals[0].s))
	case "trim":
		return str(strings.TrimSpace(vals[0].s))
	case "substringof": // OData v3 order: substringof(needle, haystack)
		return boolean(strings.Contains(vals[1].s, vals[0].s))
	case "startswith":
		return boolean(strings.HasPrefix(vals[0].s, vals[1].s))
	default: // "endswith"
		return boolean(strings.HasSuffix(vals[0].s, vals[1].s))
	}
}
