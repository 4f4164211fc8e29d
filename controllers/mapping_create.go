package controllers

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/creation"
	"github.com/accountsync/accountsync-operator/internal/mapping"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// create makes the missing side of the pair through the creation guard, named after source.
func (m *mappingRun) create(ctx context.Context, side v1alpha1.Side, source string) *mapping.CreateResult {
	st := &m.am.Status
	verbs, err := m.psaVerbs()
	target := m.sp.Spec.PSA.ConnectionRef.Name
	if side == v1alpha1.SideTool {
		verbs, err = m.toolVerbs()
		target = m.sp.Spec.Tool.ConnectionRef.Name
	}
	if err != nil {
		return &mapping.CreateResult{Unsupported: err.Error()}
	}
	verbs.RecordIntent = func(ctx context.Context, in creation.Intent) error {
		st.PendingCreate = &v1alpha1.CreateIntent{Side: side, Name: in.Name, Since: metav1.NewTime(in.Since)}
		m.setReady(metav1.ConditionFalse, v1alpha1.ReasonCreating, fmt.Sprintf("creating %s record %q", side, in.Name), v1alpha1.StateNotAvailable)
		// Stored before the create is sent: after an unknown outcome the name is looked up.
		if err := updateStatus(ctx, m.r.Client, m.am, m.before, &m.am.Status); err != nil {
			return err
		}
		m.before = m.am.Status.DeepCopy()
		return nil
	}
	var previous *creation.Intent
	if p := st.PendingCreate; p != nil && p.Side == side {
		previous = &creation.Intent{Name: p.Name, Since: p.Since.Time}
	}
	settle := m.settlePeriod()
	opts := creation.Options{
		Prefix:    m.sp.Spec.Creation.NamePrefix,
		UsePrefix: m.sp.Spec.Creation.OnNameConflict == v1alpha1.ConflictPrefix,
		Settle:    settle,
		Registry:  &m.r.creates,
		Target:    m.am.Namespace + "/" + target + "/" + string(side),
		Owner:     m.am.Namespace + "/" + m.am.Name,
	}
	out, err := creation.Ensure(ctx, source, previous, opts, verbs, time.Now())
	res := &mapping.CreateResult{Result: out, Settle: settle}
	if err != nil {
		res.Err = err.Error()
		if m.rateLimited(err) {
			res.Wait = m.wait
		}
	}
	return res
}

// settlePeriod is how long a create with an unknown outcome may take to show up in a look-up.
func (m *mappingRun) settlePeriod() time.Duration {
	settle := m.r.Settle
	if settle == 0 {
		settle = defaultSettle
	}
	if d, err := m.sp.Spec.Creation.SettlePeriod.Parse(settle); err == nil && d > 0 {
		settle = d
	}
	return settle
}

func (m *mappingRun) psaVerbs() (creation.Verbs, error) {
	finder, ok1 := m.psa.(provider.AccountFinder)
	creator, ok2 := m.psa.(provider.AccountCreator)
	if !ok1 || !ok2 {
		return creation.Verbs{}, fmt.Errorf("%s cannot create accounts", m.psa.Provider())
	}
	snap := m.snap
	return creation.Verbs{
		Find: func(ctx context.Context, name string) ([]creation.Record, error) {
			found, err := finder.FindAccountsByName(ctx, name)
			if err != nil {
				return nil, err
			}
			out := make([]creation.Record, 0, len(found))
			for _, a := range found {
				if creation.SameName(a.Name, name) {
					out = append(out, creation.Record{ID: a.ID, Name: a.Name, Detail: accountDetail(a)})
				}
			}
			return out, nil
		},
		Create: func(ctx context.Context, name string) (creation.Record, error) {
			a, err := creator.CreateAccount(ctx, provider.AccountCreate{Name: name, StatusID: snap.CreateStatusID, TypeID: snap.CreateTypeID,
				ManagerID: snap.CreateSettings.AccountManager, BusinessTypeID: snap.CreateSettings.BusinessType})
			return creation.Record{ID: a.ID, Name: a.Name}, err
		},
	}, nil
}

func accountDetail(a provider.Account) string {
	var parts []string
	if a.Status != "" {
		parts = append(parts, "status "+a.Status)
	}
	if len(a.Types) > 0 {
		parts = append(parts, "types "+strings.Join(a.Types, ", "))
	}
	if a.Inactive {
		parts = append(parts, "inactive")
	}
	return strings.Join(parts, ", ")
}

func (m *mappingRun) toolVerbs() (creation.Verbs, error) {
	finder, ok1 := m.tool.(provider.OrganizationFinder)
	creator, ok2 := m.tool.(provider.OrganizationCreator)
	if !ok1 || !ok2 {
		return creation.Verbs{}, fmt.Errorf("%s cannot create organizations", m.tool.Provider())
	}
	return creation.Verbs{
		Find: func(ctx context.Context, name string) ([]creation.Record, error) {
			found, err := finder.FindOrganizationsByName(ctx, name)
			if err != nil {
				return nil, err
			}
			out := make([]creation.Record, 0, len(found))
			for _, o := range found {
				if creation.SameName(o.Name, name) {
					out = append(out, creation.Record{ID: o.ID, Name: o.Name})
				}
			}
			return out, nil
		},
		Create: func(ctx context.Context, name string) (creation.Record, error) {
			o, err := creator.CreateOrganization(ctx, name)
			return creation.Record{ID: o.ID, Name: o.Name}, err
		},
	}, nil
}
