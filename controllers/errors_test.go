package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
	"github.com/accountsync/accountsync-operator/internal/mapping"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// throttledPSA finds no account and answers every create with a vendor's 429 and Retry-After.
type throttledPSA struct{ wait time.Duration }

func (throttledPSA) Probe(context.Context) (provider.ProbeResult, error) {
	return provider.ProbeResult{}, nil
}
func (throttledPSA) Provider() provider.Name { return provider.KaseyaBMS }
func (throttledPSA) Side() provider.Side     { return provider.SidePSA }
func (throttledPSA) CallCount() int64        { return 0 }
func (throttledPSA) FindAccountsByName(context.Context, string) ([]provider.Account, error) {
	return nil, nil
}
func (p throttledPSA) CreateAccount(context.Context, provider.AccountCreate) (provider.Account, error) {
	return provider.Account{}, &provider.Error{Kind: provider.KindRateLimited, Op: "CreateAccount", Message: "429", RetryAfter: p.wait}
}

func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return scheme
}

// A vendor's error keeps its kind and Retry-After through the creation guard up to the
// mapping's decision.
func TestCreateErrorKeepsTheProviderKind(t *testing.T) {
	ctx := context.Background()
	am := &v1alpha1.AccountMapping{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme"},
		Spec: v1alpha1.AccountMappingSpec{PSA: v1alpha1.MappingPSA{Create: true}, Tool: v1alpha1.MappingTool{OrganizationID: "9001"}}}
	kube := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(am).WithStatusSubresource(am).Build()
	if err := kube.Get(ctx, client.ObjectKeyFromObject(am), am); err != nil {
		t.Fatal(err)
	}
	m := &mappingRun{r: &AccountMappingReconciler{Client: kube, Recorder: events.NewFakeRecorder(10)}, am: am, before: am.Status.DeepCopy(),
		sp: &v1alpha1.SyncPolicy{}, psa: throttledPSA{wait: 2 * time.Minute}, snap: &Snapshot{}}
	res := m.create(ctx, v1alpha1.SidePSA, "Acme Corp")
	if res.Wait != 2*time.Minute || !strings.Contains(res.Err, "RateLimited") {
		t.Fatalf("create result %+v: want the vendor's Retry-After and kind", res)
	}
	in := mapping.Input{Now: time.Now(), Policy: "p", PolicyFound: true, HasSnapshot: true,
		Tool: mapping.Side{ID: "9001", Record: &mapping.Record{ID: "9001", Name: "Acme Corp"}}, Create: res}
	if d := mapping.Decide(in); d.Ready == nil || d.Ready.Reason != v1alpha1.ReasonRateLimited || d.WaitOut != 2*time.Minute {
		t.Fatalf("decision %+v: want RateLimited for the vendor's wait", d)
	}
}

// Errors a reconcile returns wrap their cause: the Kubernetes API's status and the provider's
// kind stay visible to errors.Is/As (and so to requeueOnConflict and the retry policy).
func TestControllerErrorsWrapTheirCause(t *testing.T) {
	ctx := context.Background()
	sp := &v1alpha1.SyncPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"},
		Spec: v1alpha1.SyncPolicySpec{PSA: v1alpha1.PSASide{ConnectionRef: v1alpha1.LocalObjectReference{Name: "bms"}}}}
	boom := apierrors.NewInternalError(errors.New("etcd is down"))
	kube := fake.NewClientBuilder().WithScheme(testScheme(t)).WithInterceptorFuncs(interceptor.Funcs{
		Get: func(context.Context, client.WithWatch, client.ObjectKey, client.Object, ...client.GetOption) error {
			return boom
		},
	}).Build()
	_, _, _, _, err := policyConnections(ctx, kube, connection.NewCache(), sp)
	if !apierrors.IsInternalError(err) || !errors.Is(err, boom) || !strings.Contains(err.Error(), "IntegrationConnection bms") {
		t.Fatalf("policyConnections: %v", err)
	}

	m := &mappingRun{r: &AccountMappingReconciler{Client: kube}, am: &v1alpha1.AccountMapping{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme"},
		Spec: v1alpha1.AccountMappingSpec{PolicyRef: v1alpha1.LocalObjectReference{Name: "p"}}}}
	if _, err := m.observe(ctx); !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "SyncPolicy p") {
		t.Fatalf("observe: %v", err)
	}

	conflict := apierrors.NewConflict(schema.GroupResource{Group: "accountsync.io", Resource: "accountmappings"}, "acme", errors.New("stale"))
	if res, err := requeueOnConflict(reconcile.Result{}, fmt.Errorf("writing the status of AccountMapping ns/acme: %w", conflict)); err != nil || res.RequeueAfter == 0 {
		t.Fatalf("a wrapped conflict is a quiet requeue: %v %v", res, err)
	}

	vendor := fmt.Errorf("listing PSA accounts: %w", &provider.Error{Kind: provider.KindRateLimited, Op: "ListAccounts", RetryAfter: 3 * time.Minute})
	if !provider.IsKind(vendor, provider.KindRateLimited) {
		t.Fatal("the provider's kind is lost in the wrapping")
	}
	if d, ok := retryAfter(vendor); !ok || d != 3*time.Minute {
		t.Fatalf("retryAfter through the wrapping: %v %v", d, ok)
	}
}
