package provider

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"sync"
	"testing"
)

// fakeName is registered only by this test file; real providers register from their packages.
const fakeName Name = "RegistryTestFake"

// fakeClient is the smallest Client with one tool capability, for Build and Capabilities.
type fakeClient struct{ cfg Config }

func (f *fakeClient) Probe(context.Context) (ProbeResult, error) { return ProbeResult{}, nil }
func (f *fakeClient) Provider() Name                             { return fakeName }
func (f *fakeClient) Side() Side                                 { return SideTool }
func (f *fakeClient) CallCount() int64                           { return 0 }
func (f *fakeClient) ListOrganizations(context.Context) ([]Organization, error) {
	return nil, nil
}

var registerFake = sync.OnceFunc(func() {
	Register(Factory{
		Name:                     fakeName,
		Side:                     SideTool,
		RequiredKeys:             []string{"apiKey", "secret"},
		OptionalKeys:             []string{"tenant"},
		DefaultRequestsPerMinute: 123,
		DefaultBurst:             7,
		New: func(cfg Config, _ Credentials) (Client, error) {
			return &fakeClient{cfg: cfg}, nil
		},
	})
})

func testURL(t *testing.T) *url.URL {
	t.Helper()
	u, err := url.Parse("https://api.example.test/base")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestBuildMissingKey(t *testing.T) {
	registerFake()
	for name, creds := range map[string]Credentials{
		"absent":          {"apiKey": []byte("k")},
		"empty":           {"apiKey": []byte("k"), "secret": {}},
		"first is absent": {"secret": []byte("s")},
	} {
		_, err := Build(fakeName, Config{URL: testURL(t)}, creds)
		var mk *MissingKeyError
		if !errors.As(err, &mk) {
			t.Fatalf("%s: want *MissingKeyError, got %v", name, err)
		}
		want := "secret"
		if name == "first is absent" {
			want = "apiKey"
		}
		if mk.Key != want {
			t.Fatalf("%s: missing key %q, want %q", name, mk.Key, want)
		}
	}
	// Optional keys may be absent.
	if _, err := Build(fakeName, Config{URL: testURL(t)}, Credentials{"apiKey": []byte("k"), "secret": []byte("s")}); err != nil {
		t.Fatal(err)
	}
}

func TestBuildAppliesRateDefaults(t *testing.T) {
	registerFake()
	creds := Credentials{"apiKey": []byte("k"), "secret": []byte("s")}
	c, err := Build(fakeName, Config{URL: testURL(t)}, creds)
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.(*fakeClient).cfg
	if cfg.RequestsPerMinute != 123 || cfg.Burst != 7 {
		t.Fatalf("defaults not applied: %d/%d", cfg.RequestsPerMinute, cfg.Burst)
	}
	c, err = Build(fakeName, Config{URL: testURL(t), RequestsPerMinute: 60, Burst: 1}, creds)
	if err != nil {
		t.Fatal(err)
	}
	if cfg := c.(*fakeClient).cfg; cfg.RequestsPerMinute != 60 || cfg.Burst != 1 || cfg.URL.String() != "https://api.example.test/base" {
		t.Fatalf("an explicit rate limit must win: %+v", cfg)
	}
}

func TestBuildErrors(t *testing.T) {
	registerFake()
	if _, err := Build("NoSuchProvider", Config{URL: testURL(t)}, nil); err == nil {
		t.Fatal("an unknown provider must fail")
	}
	_, err := Build(fakeName, Config{}, Credentials{"apiKey": []byte("k"), "secret": []byte("s")})
	if err == nil {
		t.Fatal("a config without URL must fail")
	}
}

func TestDuplicateRegisterPanics(t *testing.T) {
	registerFake()
	defer func() {
		if recover() == nil {
			t.Fatal("a second registration of the same name must panic")
		}
	}()
	Register(Factory{Name: fakeName})
}

func TestLookupNamesAndCapabilities(t *testing.T) {
	registerFake()
	f, ok := Lookup(fakeName)
	if !ok || f.Side != SideTool || !slices.Equal(f.OptionalKeys, []string{"tenant"}) {
		t.Fatalf("lookup: %+v %v", f, ok)
	}
	if _, ok := Lookup("NoSuchProvider"); ok {
		t.Fatal("unknown names are not found")
	}
	names := Names()
	if !slices.Contains(names, fakeName) || !slices.IsSorted(names) {
		t.Fatalf("Names must list the fake, sorted: %v", names)
	}
	if got := Capabilities(&fakeClient{}); !slices.Equal(got, []string{"ListOrganizations"}) {
		t.Fatalf("capabilities: %v", got)
	}
}
