package controllers_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

var _ = Describe("IntegrationConnection credential origin", func() {
	It("refuses a HaloPSA auth server that the spec does not name, says which, and trusts it once spec.authURL names it", func() {
		ns := newNamespace()
		var grants atomic.Int64
		authServer := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			grants.Add(1)
			fmt.Fprint(w, `{"access_token":"tok-from-auth-server","token_type":"Bearer","expires_in":3600}`)
		}))
		tenant := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path == "/api/authinfo":
				fmt.Fprintf(w, `{"auth_url":%q}`, authServer+"/auth")
			case r.Header.Get("Authorization") != "Bearer tok-from-auth-server":
				w.WriteHeader(http.StatusUnauthorized)
			default:
				fmt.Fprint(w, `{"record_count":0,"page_no":1,"page_size":1,"clients":[]}`)
			}
		}))
		createSecret(ns, "halo-creds", map[string]string{"clientId": "halo-client", "clientSecret": "halo-secret-value"})
		ic := &v1alpha1.IntegrationConnection{}
		ic.Namespace, ic.Name = ns, "halo"
		ic.Spec = v1alpha1.IntegrationConnectionSpec{Provider: v1alpha1.ProviderHaloPSA, URL: tenant,
			CredentialsSecretRef: v1alpha1.LocalObjectReference{Name: "halo-creds"}, Timeout: "2s"}
		Expect(k8s.Create(ctx, ic)).To(Succeed())
		ready := func() string {
			got := &v1alpha1.IntegrationConnection{}
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ic), got)).To(Succeed())
			if c := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionReady); c != nil {
				return c.Reason + ": " + c.Message
			}
			return ""
		}
		Eventually(ready).Should(And(HavePrefix(v1alpha1.ReasonInvalidSpec),
			ContainSubstring(strings.TrimPrefix(authServer, "http://")), ContainSubstring("spec.authURL")))
		Consistently(grants.Load, "2s").Should(BeZero(), "the client secret never reaches a host the spec does not name")

		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ic), ic)).To(Succeed())
		ic.Spec.AuthURL = authServer + "/auth"
		Expect(k8s.Update(ctx, ic)).To(Succeed())
		Eventually(ready).Should(HavePrefix(v1alpha1.ReasonConnected))
		Expect(grants.Load()).To(BeEquivalentTo(1))
	})

})
