package connectwise

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file parses the `conditions` / `childConditions` query language of the CW REST API:
//
//	expr       := andExpr { OR andExpr }
//	andExpr    := unary { AND unary }
//	unary      := NOT unary | "(" expr ")" | comparison
//	comparison := path cmpOp literal
//	            | path [NOT] (LIKE | CONTAINS) string
//	            | path [NOT] IN "(" literal { "," literal } ")"
//	cmpOp      := "=" | "!=" | "<" | "<=" | ">" | ">="
//	literal    := string | number | date | TRUE | FALSE | NULL
//	path       := name { "/" name }        (case-insensitive, e.g. status/id, _info/lastUpdated)
//	string     := '"' ... '"' | "'" ... "'"  (backslash escapes the next character)
//	date       := "[" RFC 3339 timestamp "]"
//
// Keywords are case-insensitive (the CW guide writes both `and` and `AND`, `True` and `true`).
// `and` binds tighter than `or`, as in SQL, which CW translates these conditions to.

// maxConditionDepth bounds nesting of parentheses and `not`, so hostile input cannot exhaust
// the stack of the recursive-descent parser.
const maxConditionDepth = 64

// maxConditionLength bounds the text; CW itself recommends URLs under 2,000 characters.
const maxConditionLength = 10000

// Expr is a parsed condition expression.
type Expr interface {
	// String renders the expression canonically; parsing the result yields the same Expr.
	String() string
}

// AndExpr is `L and R`.
type AndExpr struct{ L, R Expr }

// OrExpr is `L or R`.
type OrExpr struct{ L, R Expr }

// NotExpr is `not X`.
type NotExpr struct{ X Expr }

// Comparison is one `path op value(s)` test.
type Comparison struct {
	Path    []string  // segments of a/b/c as written
	Op      string    // =, !=, <, <=, >, >=, like, contains, in (lower case)
	Negated bool      // `not like`, `not contains`, `not in`
	Values  []Literal // exactly one, except for in
}

// LiteralKind tells what a literal is.
type LiteralKind int

const (
	LitString LiteralKind = iota
	LitNumber
	LitBool
	LitNull
	LitDate
)

// Literal is a constant in a condition.
type Literal struct {
	Kind LiteralKind
	Str  string
	Num  float64
	Bool bool
	Time time.Time
}

func (e AndExpr) String() string { return "(" + e.L.String() + " and " + e.R.String() + ")" }
func (e OrExpr) String() string  { return "(" + e.L.String() + " or " + e.R.String() + ")" }
func (e NotExpr) String() string { return "not (" + e.X.String() + ")" }

func (c Comparison) String() string {
	var b strings.Builder
	b.WriteString(strings.Join(c.Path, "/"))
	b.WriteByte(' ')
	if c.Negated {
		b.WriteString("not ")
	}
	b.WriteString(c.Op)
	b.WriteByte(' ')
	if c.Op == "in" {
		b.WriteByte('(')
		for i, v := range c.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteByte(')')
		return b.String()
	}
	b.WriteString(c.Values[0].String())
	return b.String()
}

func (l Literal) String() string {
	switch l.Kind {
	case LitString:
		return QuoteString(l.Str)
	case LitNumber:
		return strconv.FormatFloat(l.Num, 'f', -1, 64)
	case LitBool:
		return strconv.FormatBool(l.Bool)
	case LitNull:
		return "null"
	default:
		return "[" + l.Time.UTC().Format(time.RFC3339Nano) + "]"
	}
}

// QuoteString renders s as a double-quoted condition string, escaping `\` and `"`.
func QuoteString(s string) string {
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

// ConditionError is a syntax or binding error; the server answers it with 400.
type ConditionError struct {
	Pos int // byte offset in the input, -1 when not positional
	Msg string
}

func (e *ConditionError) Error() string {
	if e.Pos < 0 {
		return e.Msg
	}
	return fmt.Sprintf("%s at position %d", e.Msg, e.Pos)
}

// ParseConditions parses a conditions string. An empty (or blank) string is a syntax error: the
// server treats an absent or empty parameter as "no filter" before calling this.
func ParseConditions(s string) (Expr, error) {
	if len(s) > maxConditionLength {
		return nil, &ConditionError{Pos: -1, Msg: fmt.Sprintf("conditions longer than %d characters", maxConditionLength)}
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, &ConditionError{Pos: t.pos, Msg: fmt.Sprintf("unexpected %s", t.describe())}
	}
	return e, nil
}

// ---- lexer -------------------------------------------------------------------------------------

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokNumber
	tokDate
	tokOp
	tokLParen
	tokRParen
	tokComma
)

type token struct {
	kind tokKind
	text string // word, operator, or the decoded string
	num  float64
	time time.Time
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of conditions"
	case tokString:
		return "string " + QuoteString(t.text)
	default:
		return strconv.Quote(t.text)
	}
}

// keyword reports whether t is the case-insensitive keyword kw.
func (t token) keyword(kw string) bool { return t.kind == tokWord && strings.EqualFold(t.text, kw) }

var reserved = []string{"and", "or", "not", "in", "like", "contains", "true", "false", "null"}

func isReserved(w string) bool {
	for _, r := range reserved {
		if strings.EqualFold(w, r) {
			return true
		}
	}
	return false
}

func isWordStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isWordChar(c byte) bool  { return isWordStart(c) || (c >= '0' && c <= '9') || c == '/' }
func isDigit(c byte) bool     { return c >= '0' && c <= '9' }

func lex(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case punctuation[c] != 0:
			toks = append(toks, token{kind: punctuation[c], text: string(c), pos: i})
			i++
		case c == '!':
			if i+1 < len(s) && s[i+1] == '=' {
				toks = append(toks, token{kind: tokOp, text: "!=", pos: i})
				i += 2
				continue
			}
			return nil, &ConditionError{Pos: i, Msg: "'!' must be followed by '='"}
		case c == '<' || c == '>':
			op := string(c)
			if i+1 < len(s) && s[i+1] == '=' {
				op += "="
			}
			toks = append(toks, token{kind: tokOp, text: op, pos: i})
			i += len(op)
		case c == '"' || c == '\'':
			str, n, err := lexString(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, text: str, pos: i})
			i += n
		case c == '[':
			tok, n, err := lexDate(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, tok)
			i += n
		case isDigit(c) || (c == '-' && i+1 < len(s) && isDigit(s[i+1])):
			tok, n, err := lexNumber(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, tok)
			i += n
		case isWordStart(c):
			j := i + 1
			for j < len(s) && isWordChar(s[j]) {
				j++
			}
			toks = append(toks, token{kind: tokWord, text: s[i:j], pos: i})
			i = j
		default:
			return nil, &ConditionError{Pos: i, Msg: fmt.Sprintf("unexpected character %q", c)}
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(s)}), nil
}

// punctuation are the one-byte tokens (tokEOF, the zero value, marks every other byte).
var punctuation = [256]tokKind{'(': tokLParen, ')': tokRParen, ',': tokComma, '=': tokOp}

// lexDate reads a [date] starting at s[start]; it returns the token and the bytes consumed.
func lexDate(s string, start int) (token, int, error) {
	end := strings.IndexByte(s[start+1:], ']')
	if end < 0 {
		return token{}, 0, &ConditionError{Pos: start, Msg: "unterminated date"}
	}
	raw := s[start+1 : start+1+end]
	t, err := parseDate(raw)
	if err != nil {
		return token{}, 0, &ConditionError{Pos: start, Msg: fmt.Sprintf("invalid date [%s]", raw)}
	}
	return token{kind: tokDate, text: raw, time: t, pos: start}, end + 2, nil
}

// lexNumber reads a number (optional minus, digits, optional fraction) starting at s[start]; a
// number running into a word character is invalid.
func lexNumber(s string, start int) (token, int, error) {
	j := start + 1
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		j += 2
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	if j < len(s) && isWordChar(s[j]) {
		return token{}, 0, &ConditionError{Pos: start, Msg: "invalid number"}
	}
	n, err := strconv.ParseFloat(s[start:j], 64)
	if err != nil {
		return token{}, 0, &ConditionError{Pos: start, Msg: "invalid number"}
	}
	return token{kind: tokNumber, text: s[start:j], num: n, pos: start}, j - start, nil
}

// lexString decodes a quoted string starting at s[start]; it returns the value and the number of
// bytes consumed. A backslash makes the next byte literal (so `\"` and `\\`).
func lexString(s string, start int) (string, int, error) {
	quote := s[start]
	var b strings.Builder
	for i := start + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) {
				return "", 0, &ConditionError{Pos: i, Msg: "dangling escape"}
			}
			i++
			b.WriteByte(s[i])
		case quote:
			return b.String(), i - start + 1, nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, &ConditionError{Pos: start, Msg: "unterminated string"}
}

var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"}

func parseDate(raw string) (time.Time, error) {
	raw = strings.TrimSpace(raw)
	var lastErr error
	for _, layout := range dateLayouts {
		t, err := time.Parse(layout, raw)
		if err == nil {
			return t.UTC(), nil
		}
		lastErr = err
	}
	return time.Time{}, lastErr
}

// ---- parser ------------------------------------------------------------------------------------

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

func (p *parser) parseOr(depth int) (Expr, error) {
	left, err := p.parseAnd(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().keyword("or") {
		p.next()
		right, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		left = OrExpr{L: left, R: right}
	}
	return left, nil
}

func (p *parser) parseAnd(depth int) (Expr, error) {
	left, err := p.parseUnary(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().keyword("and") {
		p.next()
		right, err := p.parseUnary(depth)
		if err != nil {
			return nil, err
		}
		left = AndExpr{L: left, R: right}
	}
	return left, nil
}

func (p *parser) parseUnary(depth int) (Expr, error) {
	t := p.peek()
	if depth >= maxConditionDepth && (t.keyword("not") || t.kind == tokLParen) {
		return nil, &ConditionError{Pos: t.pos, Msg: "conditions nested too deeply"}
	}
	switch {
	case t.keyword("not"):
		p.next()
		x, err := p.parseUnary(depth + 1)
		if err != nil {
			return nil, err
		}
		return NotExpr{X: x}, nil
	case t.kind == tokLParen:
		p.next()
		x, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, &ConditionError{Pos: c.pos, Msg: fmt.Sprintf("expected ')', found %s", c.describe())}
		}
		return x, nil
	default:
		return p.parseComparison()
	}
}

func (p *parser) parseComparison() (Expr, error) {
	t := p.next()
	if t.kind != tokWord || isReserved(t.text) {
		return nil, &ConditionError{Pos: t.pos, Msg: fmt.Sprintf("expected a field name, found %s", t.describe())}
	}
	path := strings.Split(t.text, "/")
	for _, seg := range path {
		if seg == "" || !isWordStart(seg[0]) {
			return nil, &ConditionError{Pos: t.pos, Msg: fmt.Sprintf("invalid field path %q", t.text)}
		}
	}
	c := Comparison{Path: path}
	op := p.next()
	if op.kind == tokOp {
		c.Op = op.text
		lit, err := p.parseLiteral()
		if err != nil {
			return nil, err
		}
		if lit.Kind == LitNull && c.Op != "=" && c.Op != "!=" {
			return nil, &ConditionError{Pos: op.pos, Msg: fmt.Sprintf("null cannot be compared with %s", c.Op)}
		}
		c.Values = []Literal{lit}
		return c, nil
	}
	if op.keyword("not") {
		c.Negated = true
		op = p.next()
	}
	switch {
	case op.keyword("like"), op.keyword("contains"):
		c.Op = strings.ToLower(op.text)
		s := p.next()
		if s.kind != tokString {
			return nil, &ConditionError{Pos: s.pos, Msg: fmt.Sprintf("%s needs a string, found %s", c.Op, s.describe())}
		}
		c.Values = []Literal{{Kind: LitString, Str: s.text}}
		return c, nil
	case op.keyword("in"):
		c.Op = "in"
		if l := p.next(); l.kind != tokLParen {
			return nil, &ConditionError{Pos: l.pos, Msg: fmt.Sprintf("expected '(' after in, found %s", l.describe())}
		}
		for {
			lit, err := p.parseLiteral()
			if err != nil {
				return nil, err
			}
			if lit.Kind == LitNull {
				return nil, &ConditionError{Pos: op.pos, Msg: "null is not allowed in an in list"}
			}
			c.Values = append(c.Values, lit)
			sep := p.next()
			if sep.kind == tokRParen {
				return c, nil
			}
			if sep.kind != tokComma {
				return nil, &ConditionError{Pos: sep.pos, Msg: fmt.Sprintf("expected ',' or ')', found %s", sep.describe())}
			}
		}
	}
	return nil, &ConditionError{Pos: op.pos, Msg: fmt.Sprintf("expected an operator after %s, found %s", t.text, op.describe())}
}

func (p *parser) parseLiteral() (Literal, error) {
	t := p.next()
	switch {
	case t.kind == tokString:
		return Literal{Kind: LitString, Str: t.text}, nil
	case t.kind == tokNumber:
		return Literal{Kind: LitNumber, Num: t.num}, nil
	case t.kind == tokDate:
		return Literal{Kind: LitDate, Time: t.time}, nil
	case t.keyword("true"):
		return Literal{Kind: LitBool, Bool: true}, nil
	case t.keyword("false"):
		return Literal{Kind: LitBool, Bool: false}, nil
	case t.keyword("null"):
		return Literal{Kind: LitNull}, nil
	}
	return Literal{}, &ConditionError{Pos: t.pos, Msg: fmt.Sprintf("expected a value, found %s", t.describe())}
}
