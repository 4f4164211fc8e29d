package plan

import (
	"reflect"
	"testing"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/match"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

func TestUserActions(t *testing.T) {
	tool := []provider.User{
		{ID: "t1", Name: "Alice", Email: "alice@x.example"},
		{ID: "t2", Name: "Bob", Email: "bob@x.example"},
		{ID: "t3", Email: "dan@x.example"},
		{ID: "t4", Name: "Carol", Email: "carol@x.example"},
	}
	psa := []provider.User{
		{ID: "p1", Name: "Alice", Email: "alice@x.example"},
		{ID: "p2", Name: "Bob", Email: "bob@x.example"},
		{ID: "p4", Name: "Carol"}, {ID: "p5", Name: "Carol"},
	}
	// t1 is linked already; t2 is new; t3 has no counterpart; t4 is ambiguous.
	existing := []v1alpha1.UserOverride{{ToolUserID: "t1", PSAUserID: "p1"}}
	res := match.Users(tool, psa, nil, v1alpha1.MultipleFlag, nil, existing)
	item := func(a v1alpha1.PlanAction, tu, pu, name string) v1alpha1.PlanItem {
		return v1alpha1.PlanItem{Action: a, ToolOrganizationID: "o1", PSAAccountID: "a1", ToolUserID: tu, PSAUserID: pu, Name: name, Mapping: "m"}
	}
	link := item(v1alpha1.ActionLinkUser, "t2", "p2", "Bob")
	create := item(v1alpha1.ActionCreatePSAUser, "t3", "", "dan@x.example")
	for _, tc := range []struct {
		name          string
		createMissing bool
		want          []v1alpha1.PlanItem
	}{
		{"createMissing", true, []v1alpha1.PlanItem{link, create}},
		{"match only", false, []v1alpha1.PlanItem{link}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := UserActions("m", "o1", "a1", tool, res, existing, tc.createMissing)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if got := UserActions("m", "o1", "a1", tool, match.Users(tool, psa, nil, v1alpha1.MultipleFlag, nil, res.Links), res.Links, false); got != nil {
		t.Fatalf("all links kept: want no action, got %+v", got)
	}
}

func TestWithUserActions(t *testing.T) {
	planned := []v1alpha1.PlanItem{
		{Action: v1alpha1.ActionLink, Mapping: "b"},
		{Action: v1alpha1.ActionFlagUnmatched, Name: "x"},
	}
	users := []v1alpha1.PlanItem{
		{Action: v1alpha1.ActionCreatePSAUser, Mapping: "a", ToolUserID: "t9"},
		{Action: v1alpha1.ActionLinkUser, Mapping: "b", ToolUserID: "t2", PSAUserID: "p2"},
		{Action: v1alpha1.ActionLinkUser, Mapping: "a", ToolUserID: "t1", PSAUserID: "p1"},
	}
	got := WithUserActions(planned, users)
	want := []v1alpha1.PlanItem{planned[0], users[2], users[1], users[0], planned[1]}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if got := WithUserActions(planned, nil); !reflect.DeepEqual(got, planned) {
		t.Fatalf("no users: got %+v", got)
	}
}
