package kaseyavsa

import (
	"fmt"
	"strings"
)

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokLParen
	tokRParen
	tokComma
)

type token struct {
	kind tokKind
	text string // identifier, unescaped string, or number without its type suffix
	pos  int
}

// maxExponentDigits keeps number literals such as 1e999999999 from making big.Rat allocate
// without bound; no VSA property needs more.
const maxExponentDigits = 3

// lex splits an OData $filter into tokens.
func lex(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			out = append(out, token{kind: tokLParen, text: "(", pos: i})
			i++
		case c == ')':
			out = append(out, token{kind: tokRParen, text: ")", pos: i})
			i++
		case c == ',':
			out = append(out, token{kind: tokComma, text: ",", pos: i})
			i++
		case c == '\'':
			text, n, err := lexString(s, i)
			if err != nil {
				return nil, err
			}
			out = append(out, token{kind: tokString, text: text, pos: i})
			i += n
		case c == '-' || isDigit(c):
			text, n, err := lexNumber(s, i)
			if err != nil {
				return nil, err
			}
			out = append(out, token{kind: tokNumber, text: text, pos: i})
			i += n
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			out = append(out, token{kind: tokIdent, text: s[i:j], pos: i})
			i = j
		default:
			return nil, fmt.Errorf("syntax error at position %d: unexpected character %q", i, rune(c))
		}
	}
	out = append(out, token{kind: tokEOF, pos: len(s)})
	return out, nil
}

// lexString reads a single-quoted literal starting at s[start]; a doubled quote inside it
// stands for one quote.
func lexString(s string, start int) (string, int, error) {
	var b strings.Builder
	i := start + 1
	for i < len(s) {
		if s[i] == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			return b.String(), i + 1 - start, nil
		}
		b.WriteByte(s[i])
		i++
	}
	return "", 0, fmt.Errorf("syntax error at position %d: unterminated string literal", start)
}

// lexNumber reads -?digits[.digits][e[+-]digits][LMDF].
func lexNumber(s string, start int) (string, int, error) {
	i := start
	if s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		return i - j
	}
	if digits() == 0 {
		return "", 0, fmt.Errorf("syntax error at position %d: digit expected", i)
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return "", 0, fmt.Errorf("syntax error at position %d: digit expected after '.'", i)
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		n := digits()
		if n == 0 || n > maxExponentDigits {
			return "", 0, fmt.Errorf("syntax error at position %d: bad exponent", i)
		}
	}
	text := s[start:i]
	if i < len(s) && strings.IndexByte("LMDFlmdf", s[i]) >= 0 {
		i++
	}
	if i < len(s) && isIdentPart(s[i]) {
		return "", 0, fmt.Errorf("syntax error at position %d: bad number literal", start)
	}
	return text, i - start, nil
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }
