package connection_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/connection"
)

func insecure(ic *v1alpha1.IntegrationConnection) {
	ic.Spec.TLS = &v1alpha1.TLSConfig{InsecureSkipVerify: true}
}

// insecureSkipVerify is a cluster operator's decision (--allow-insecure-tls), not one a
// namespace user can take alone.
func TestInsecureSkipVerifyNeedsTheManagerFlag(t *testing.T) {
	ctx := context.Background()
	kube := newKube(t, creds())

	_, err := connection.NewCache().Client(ctx, kube, conn(insecure))
	wantConfigError(t, err, v1alpha1.ReasonInvalidSpec, "insecureSkipVerify", "--allow-insecure-tls")

	allowed := connection.NewCache()
	allowed.AllowInsecureTLS = true
	if _, err := allowed.Client(ctx, kube, conn(insecure)); err != nil {
		t.Fatalf("with --allow-insecure-tls: %v", err)
	}
	if _, err := connection.NewCache().Client(ctx, kube, conn()); err != nil {
		t.Fatalf("a connection that verifies certificates needs no flag: %v", err)
	}
}

// countingReader counts the Secret reads that carry data.
type countingReader struct {
	client.Reader
	secretReads int
}

func (r *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if _, ok := obj.(*corev1.Secret); ok {
		r.secretReads++
	}
	return r.Reader.Get(ctx, key, obj, opts...)
}

// With SecretMetadata the cache learns from metadata whether its client is current, and reads a
// Secret's data only when the Secret changed: the manager keeps no copy of Secret data and asks
// the API server for it once per change, not once per reconcile.
func TestSecretDataIsReadOnlyWhenTheSecretChanged(t *testing.T) {
	ctx := context.Background()
	kube := newKube(t, creds())
	data := &countingReader{Reader: kube}
	c := connection.NewCache()
	c.SecretMetadata = kube
	ic := conn()

	first, err := c.Client(ctx, data, ic)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		again, err := c.Client(ctx, data, ic.DeepCopy())
		if err != nil {
			t.Fatal(err)
		}
		if again != first {
			t.Fatal("a new client although nothing changed")
		}
	}
	if data.secretReads != 1 {
		t.Fatalf("%d reads of Secret data for one unchanged Secret, want 1", data.secretReads)
	}

	s := &corev1.Secret{}
	if err := kube.Get(ctx, types.NamespacedName{Namespace: ns, Name: "cyberqp-creds"}, s); err != nil {
		t.Fatal(err)
	}
	s.Data["apiKey"] = []byte("k-rotated")
	if err := kube.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	rotated, err := c.Client(ctx, data, ic)
	if err != nil {
		t.Fatal(err)
	}
	if rotated == first || data.secretReads != 2 {
		t.Fatalf("after a rotation: new client %v, %d data reads; want a new client from a second read", rotated != first, data.secretReads)
	}

	if err := kube.Delete(ctx, s); err != nil {
		t.Fatal(err)
	}
	_, err = c.Client(ctx, data, ic)
	wantConfigError(t, err, v1alpha1.ReasonSecretNotFound, `"cyberqp-creds"`)
}
