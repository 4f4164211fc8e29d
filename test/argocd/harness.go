// Package argocd runs the Argo CD resource customizations shipped in docs/argocd (health
// checks and the "sync-now" action) the way Argo CD runs scripts from argocd-cm, so that they
// can be tested without an Argo CD installation, and assembles them into the argocd-cm snippet.
//
// The sandbox mirrors Argo CD's (util/lua in argo-cd): custom scripts run with the standard
// libraries switched off except package, base, table and a reduced os (time and date only,
// also reachable as require("os")), under a one-second deadline. A script that works here
// therefore does not reach for string.*, math.* or io.* that Argo CD would not give it.
package argocd

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Health is what a health.lua returns.
type Health struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// validHealth are the statuses Argo CD accepts from Lua; anything else becomes Unknown with
// "Lua returned an invalid health status", which the harness reports as an error instead.
var validHealth = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true,
	"Suspended": true, "Missing": true, "Unknown": true,
}

// Action is one entry of what a discovery.lua returns.
type Action struct {
	Name        string `json:"-"`
	Disabled    bool   `json:"disabled,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	IconClass   string `json:"iconClass,omitempty"`
}

// VM runs scripts. The zero value uses the wall clock.
type VM struct {
	// Now is the clock behind os.time and os.date; tests pin it.
	Now func() time.Time
	// Timeout bounds one script run; Argo CD uses one second.
	Timeout time.Duration
}

// Health runs a health.lua against obj, an object as decoded from JSON (numbers as float64,
// int64 as the Argo CD controller has them, or json.Number).
func (vm VM) Health(script string, obj map[string]any) (Health, error) {
	out, err := vm.run(script, obj)
	if err != nil {
		return Health{}, err
	}
	var h Health
	if err := remarshal(out, &h); err != nil {
		return Health{}, fmt.Errorf("health script returned %v: %w", out, err)
	}
	if !validHealth[h.Status] {
		return Health{}, fmt.Errorf("health script returned invalid status %q", h.Status)
	}
	return h, nil
}

// Discover runs a discovery.lua and returns the offered actions sorted by name.
func (vm VM) Discover(script string, obj map[string]any) ([]Action, error) {
	out, err := vm.run(script, obj)
	if err != nil {
		return nil, err
	}
	// An empty Lua table encodes as an empty array: no actions.
	if list, ok := out.([]any); ok && len(list) == 0 {
		return nil, nil
	}
	m, ok := out.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("discovery script returned %T, want a table keyed by action name", out)
	}
	actions := make([]Action, 0, len(m))
	for name, v := range m {
		a := Action{Name: name}
		// Argo CD treats an empty table ({}, encoded as []) as an enabled action without
		// options.
		if _, empty := v.([]any); !empty {
			if err := remarshal(v, &a); err != nil {
				return nil, fmt.Errorf("action %q: %w", name, err)
			}
		}
		a.Name = name
		actions = append(actions, a)
	}
	sort.Slice(actions, func(i, j int) bool { return actions[i].Name < actions[j].Name })
	return actions, nil
}

// Action runs an action.lua and returns the object it hands back (Argo CD's old-style action
// output, which it diffs against the live object and patches).
func (vm VM) Action(script string, obj map[string]any) (map[string]any, error) {
	out, err := vm.run(script, obj)
	if err != nil {
		return nil, err
	}
	m, ok := out.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("action script returned %T, want the object", out)
	}
	return m, nil
}

func (vm VM) run(script string, obj map[string]any) (any, error) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.OsLibName, vm.openSafeOS},
	} {
		if err := L.CallByParam(lua.P{Fn: L.NewFunction(lib.fn), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return nil, fmt.Errorf("open %s: %w", lib.name, err)
		}
	}
	L.PreloadModule(lua.OsLibName, func(L *lua.LState) int {
		L.Push(L.SetFuncs(L.NewTable(), vm.osFuncs()))
		return 1
	})
	timeout := vm.Timeout
	if timeout == 0 {
		timeout = time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	L.SetContext(ctx)

	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(script); err != nil {
		return nil, err
	}
	ret := L.Get(-1)
	if ret.Type() != lua.LTTable {
		return nil, fmt.Errorf("script returned %s, want a table", ret.Type())
	}
	return fromLua(ret)
}

func (vm VM) now() time.Time {
	if vm.Now != nil {
		return vm.Now()
	}
	return time.Now()
}

func (vm VM) openSafeOS(L *lua.LState) int {
	L.Push(L.RegisterModule(lua.OsLibName, vm.osFuncs()))
	return 1
}

// osFuncs is Argo CD's reduced os library: os.time() and os.date(fmt) with a leading "!" for
// UTC. Nothing that exits, reads files or the environment.
func (vm VM) osFuncs() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"time": func(L *lua.LState) int {
			if L.GetTop() != 0 {
				L.RaiseError("os.time with a table is not supported by this harness")
			}
			L.Push(lua.LNumber(vm.now().Unix()))
			return 1
		},
		"date": func(L *lua.LState) int {
			t := vm.now().Local()
			format := "%c"
			if L.GetTop() >= 1 {
				format = L.CheckString(1)
			}
			if strings.HasPrefix(format, "!") {
				t = t.UTC()
				format = format[1:]
			}
			if L.GetTop() >= 2 {
				t = time.Unix(L.CheckInt64(2), 0).In(t.Location())
			}
			L.Push(lua.LString(strftime(t, format)))
			return 1
		},
	}
}

// strftime covers the conversions Argo CD's os.date maps to Go layouts.
func strftime(t time.Time, format string) string {
	layouts := map[byte]string{
		'a': "Mon", 'A': "Monday", 'b': "Jan", 'B': "January", 'c': "02 Jan 06 15:04 MST",
		'd': "02", 'F': "2006-01-02", 'H': "15", 'I': "03", 'm': "01", 'M': "04", 'p': "PM",
		'S': "05", 'X': "15:04:05", 'y': "06", 'Y': "2006", 'z': "-0700", 'Z': "MST",
	}
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i == len(format)-1 {
			b.WriteByte(c)
			continue
		}
		i++
		switch f := format[i]; {
		case f == '%':
			b.WriteByte('%')
		case layouts[f] != "":
			b.WriteString(t.Format(layouts[f]))
		default:
			b.WriteByte('%')
			b.WriteByte(f)
		}
	}
	return b.String()
}

func toLua(L *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case int64:
		return lua.LNumber(x)
	case int:
		return lua.LNumber(x)
	case json.Number:
		// Argo CD hands a json.Number to Lua as a string.
		return lua.LString(x)
	case string:
		return lua.LString(x)
	case []any:
		t := L.CreateTable(len(x), 0)
		for _, item := range x {
			t.Append(toLua(L, item))
		}
		return t
	case map[string]any:
		t := L.CreateTable(0, len(x))
		for k, item := range x {
			t.RawSetString(k, toLua(L, item))
		}
		return t
	default:
		// Argo CD also drops types it does not know.
		return lua.LNil
	}
}

// fromLua converts a returned value the way Argo CD's JSON encoding of Lua tables does: a
// table with only the keys 1..n is an array, an empty table is an empty array, any other
// table is an object with string keys.
func fromLua(v lua.LValue) (any, error) {
	switch x := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(x), nil
	case lua.LString:
		return string(x), nil
	case lua.LNumber:
		f := float64(x)
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), nil
		}
		return f, nil
	case *lua.LTable:
		n := x.MaxN()
		count := 0
		x.ForEach(func(lua.LValue, lua.LValue) { count++ })
		if count == 0 || n == count {
			arr := make([]any, 0, n)
			for i := 1; i <= n; i++ {
				item, err := fromLua(x.RawGetInt(i))
				if err != nil {
					return nil, err
				}
				arr = append(arr, item)
			}
			return arr, nil
		}
		obj := make(map[string]any, count)
		var ferr error
		x.ForEach(func(k, val lua.LValue) {
			if ferr != nil {
				return
			}
			ks, ok := k.(lua.LString)
			if !ok {
				ferr = fmt.Errorf("table mixes array and object keys (key %v)", k)
				return
			}
			item, err := fromLua(val)
			if err != nil {
				ferr = err
				return
			}
			obj[string(ks)] = item
		})
		return obj, ferr
	default:
		return nil, fmt.Errorf("cannot return a Lua %s", v.Type())
	}
}

func remarshal(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
