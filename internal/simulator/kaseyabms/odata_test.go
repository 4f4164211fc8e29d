package kaseyabms

import (
	"net/url"
	"strings"
	"testing"
)

var sampleAccounts = []record{
	wireAccount{ID: 1001, AccountName: "Acme Corp", AccountCode: "ACME", StatusID: 1, Status: "Active", IsActive: true}.props(),
	wireAccount{ID: 1002, AccountName: "O'Brien & Sons", StatusID: 2, Status: "Inactive"}.props(),
	wireAccount{ID: 1003, AccountName: "acme corp", AccountTypeID: ptr(int64(3)), AccountType: ptr("Vendor"),
		StatusID: 1, Status: "Active", IsActive: true}.props(),
}

func ptr[T any](v T) *T { return &v }

func TestFilterEvaluation(t *testing.T) {
	cases := []struct {
		filter string
		want   []int64
	}{
		{"AccountName eq 'Acme Corp'", []int64{1001}},                // eq is ordinal
		{"tolower(AccountName) eq 'acme corp'", []int64{1001, 1003}}, // case-insensitive via tolower
		{"toupper(AccountName) eq 'ACME CORP'", []int64{1001, 1003}}, //
		{"AccountName eq 'O''Brien & Sons'", []int64{1002}},          // doubled quote
		{"substringof('Brien', AccountName)", []int64{1002}},         // v3 argument order
		{"substringof('acme', tolower(AccountName)) and IsActive", []int64{1001, 1003}},
		{"startswith(AccountName, 'Acme')", []int64{1001}}, //
		{"endswith(AccountName, 'Sons')", []int64{1002}},   //
		{"IsActive eq true", []int64{1001, 1003}},          //
		{"IsActive eq false", []int64{1002}},               //
		{"not IsActive", []int64{1002}},                    //
		{"(StatusId eq 1 or StatusId eq 2) and AccountTypeId eq 3", []int64{1003}},
		{"StatusId eq 1 or StatusId eq 2 and AccountTypeId eq 3", []int64{1001, 1003}}, // and binds tighter
		{"AccountTypeId eq null", []int64{1001, 1002}},                                 //
		{"AccountTypeId ne null", []int64{1003}},                                       //
		{"AccountType eq 'Vendor'", []int64{1003}},                                     //
		{"Id gt 1001 and Id le 1003", []int64{1002, 1003}},                             //
		{"Id ge -5", []int64{1001, 1002, 1003}},                                        //
		{"AccountName lt 'B'", []int64{1001}},                                          // ordinal: lowercase sorts after
		{"trim(' x ') eq 'x'", []int64{1001, 1002, 1003}},                              //
		{"AccountTypeId gt 0", []int64{1003}},                                          // null never compares
		{"  ( ( IsActive ) )  ", []int64{1001, 1003}},                                  //
		{"tolower(AccountType) eq null", []int64{1001, 1002}},                          // functions propagate null
		{"substringof(null, AccountName)", nil},                                        //
	}
	for _, tc := range cases {
		e, err := parseFilter(tc.filter, accountSchema)
		if err != nil {
			t.Errorf("%q: %v", tc.filter, err)
			continue
		}
		var got []int64
		for _, r := range sampleAccounts {
			if truthy(e.eval(r)) {
				got = append(got, r["Id"].i)
			}
		}
		if !equalIDs(got, tc.want) {
			t.Errorf("%q matched %v, want %v", tc.filter, got, tc.want)
		}
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFilterRejects(t *testing.T) {
	cases := map[string]string{
		"":                                 "expression expected",
		"AccountName":                      "must evaluate to Edm.Boolean",
		"Name eq 'x'":                      "could not find a property named 'Name'",
		"AccountName eq 5":                 "incompatible types",
		"StatusId eq '1'":                  "incompatible types",
		"AccountName eq 'x":                "unterminated string",
		"AccountName EQ 'x'":               "unexpected token",
		"AccountName eq 'x' AND IsActive":  "unexpected token",
		"IsActive gt false":                "not defined for Edm.Boolean",
		"tolower(AccountName, 'x') eq 'a'": "takes 1 argument",
		"contains(AccountName, 'x')":       "unknown function",
		"tolower(StatusId) eq 'a'":         "expects Edm.String",
		"(IsActive":                        "')' expected",
		"IsActive)":                        "unexpected token after end",
		"IsActive and StatusId":            "operands of 'and'",
		"IsActive or 'x'":                  "operands of 'or'",
		"not AccountName":                  "operand of 'not'",
		"StatusId eq 99999999999999999999": "out of range",
		"StatusId eq 12abc":                "malformed number",
		"AccountName eq \"x\"":             "unexpected character",
		"Id eq 1 eq 1":                     "unexpected token after end",
		"substringof('a' AccountName)":     "',' or ')' expected",
	}
	for filter, want := range cases {
		_, err := parseFilter(filter, accountSchema)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want error containing %q", filter, err, want)
		}
	}
	deep := strings.Repeat("(", maxDepth+1) + "IsActive" + strings.Repeat(")", maxDepth+1)
	if _, err := parseFilter(deep, accountSchema); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("deep nesting: %v", err)
	}
	if _, err := parseFilter(strings.Repeat(" ", maxFilterLen+1), accountSchema); err == nil {
		t.Error("over-long filter accepted")
	}
}

func TestListQueryOptions(t *testing.T) {
	items := make([]wireType, 0, 250)
	for i := 1; i <= 250; i++ {
		items = append(items, wireType{ID: int64(i), Name: "t"})
	}
	run := func(raw string) ([]wireType, int, error) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatal(err)
		}
		lq, err := parseListQuery(q, typeSchema)
		if err != nil {
			return nil, 0, err
		}
		page, total := apply(lq, items, wireType.props)
		return page, total, nil
	}
	page, total, err := run("")
	if err != nil || len(page) != MaxPageSize || total != 250 {
		t.Fatalf("default page: %d of %d, %v", len(page), total, err)
	}
	page, _, _ = run("$top=1000&$skip=200")
	if len(page) != 50 || page[0].ID != 201 {
		t.Fatalf("clamped page: %d records from %d", len(page), page[0].ID)
	}
	page, _, _ = run("$top=500")
	if len(page) != MaxPageSize {
		t.Fatalf("$top above the cap returned %d records", len(page))
	}
	page, total, _ = run("$skip=300")
	if len(page) != 0 || total != 250 {
		t.Fatalf("past the end: %d records, total %d", len(page), total)
	}
	page, _, _ = run("$orderby=Id desc&$top=2")
	if len(page) != 2 || page[0].ID != 250 {
		t.Fatalf("orderby desc: %+v", page)
	}
	page, total, _ = run("$filter=Id le 3&other=ignored")
	if total != 3 || len(page) != 3 {
		t.Fatalf("filter: %d/%d", len(page), total)
	}
	for _, bad := range []string{"$top=-1", "$top=x", "$skip=-2", "$select=Id", "$expand=X", "$top=1&$top=2",
		"$orderby=Nope", "$orderby=Id sideways", "$orderby=", "$filter=Nope eq 1", "$inlinecount=allpages"} {
		if _, _, err := run(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParseFilter checks that no input crashes the parser or the evaluator, and that what
// parses is a boolean expression.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"AccountName eq 'Acme'", "tolower(AccountName) eq 'o''brien'", "substringof('a', AccountName)",
		"(StatusId eq 1 or StatusId eq 2) and IsActive eq true", "not (AccountTypeId eq null)",
		"Id ge -1 and Id lt 9223372036854775807", "startswith(trim(AccountCode), 'A')", "((((", "'", "eq eq",
		"toupper(tolower(toupper(AccountName))) ne ''", "IsActive and not IsActive or IsActive",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := parseFilter(src, accountSchema)
		if err != nil {
			if _, ok := err.(*filterError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if e.typ() != kindBool {
			t.Fatalf("non-boolean filter %q accepted", src)
		}
		for _, r := range sampleAccounts {
			if v := e.eval(r); v.k != kindBool {
				t.Fatalf("%q evaluated to %v", src, v)
			}
		}
	})
}
