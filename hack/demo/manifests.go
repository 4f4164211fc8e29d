package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/simulator/vendors"
	"github.com/accountsync/accountsync-operator/test/testenv"
)

const demoNamespace = "msp-demo"

// The samples the demo applies, in config/samples. They are the documented examples, so the
// demo shows exactly what a user would copy; only what must differ here is rewritten (addresses,
// credentials, vendor ids, see demoObjects).
var sampleFiles = []string{
	"ic_kaseyavsa.yaml", "ic_kaseyabms.yaml", "ic_connectwisepsa.yaml", "ic_halopsa.yaml",
	"ic_gravityzone.yaml", "ic_cyberqp.yaml",
	"am_manual_custom.yaml",
	"sp_vsa_to_bms.yaml", "sp_vsa_to_connectwise.yaml", "sp_halo_to_gravityzone.yaml",
	"sp_cyberqp_to_halo.yaml", "sp_dryrun.yaml",
}

// Names the demo relies on, as the samples spell them.
const (
	policyVSAToConnectWise = "vsa-to-connectwise"
	policyDryRun           = "vsa-to-connectwise-preview"
	manualSampleName       = "acme-corp"
	// manualMappingName renames the manual sample: in the demo it links Oakridge Dental Group.
	manualMappingName = "oakridge-dental"
	manualBMSAccount  = "5001" // "ODG Holdings" in fixture.yaml
)

// demoRateLimit replaces the samples' production rate limits: the simulators run in-process and
// enforce none, and the samples' limits (25 requests a minute for BMS) would stretch the first
// import, about a thousand calls, over most of an hour.
var demoRateLimit = &v1alpha1.RateLimit{RequestsPerMinute: 6000, Burst: 100}

// demoObjects returns what the demo applies, in order: Secrets, IntegrationConnections, the
// manual AccountMapping, then the SyncPolicies. The manual mapping exists before any policy
// syncs, so the policy never generates a mapping for its organization only to remove it again.
func demoObjects(root string, urls map[string]string, f vendors.File) ([]client.Object, error) {
	decoder := serializer.NewCodecFactory(testenv.Scheme()).UniversalDeserializer()
	secrets := map[string]*corev1.Secret{}
	var ics []*v1alpha1.IntegrationConnection
	var ams []*v1alpha1.AccountMapping
	var sps []*v1alpha1.SyncPolicy
	for _, name := range sampleFiles {
		docs, err := readDocuments(filepath.Join(root, "config", "samples", name))
		if err != nil {
			return nil, err
		}
		for _, doc := range docs {
			obj, _, err := decoder.Decode(doc, nil, nil)
			if err != nil {
				return nil, fmt.Errorf("config/samples/%s: %w", name, err)
			}
			switch o := obj.(type) {
			case *corev1.Secret:
				secrets[o.Name] = o
			case *v1alpha1.IntegrationConnection:
				ics = append(ics, o)
			case *v1alpha1.AccountMapping:
				ams = append(ams, o)
			case *v1alpha1.SyncPolicy:
				sps = append(sps, o)
			default:
				return nil, fmt.Errorf("config/samples/%s: unexpected %T", name, obj)
			}
		}
	}

	var out []client.Object
	for _, ic := range ics {
		vendor, creds, err := vendorOf(ic.Spec.Provider, f)
		if err != nil {
			return nil, err
		}
		url, ok := urls[vendor]
		if !ok {
			return nil, fmt.Errorf("no %s simulator is running", vendor)
		}
		sec, ok := secrets[ic.Spec.CredentialsSecretRef.Name]
		if !ok {
			return nil, fmt.Errorf("IntegrationConnection %s: its Secret %s is not in the samples", ic.Name, ic.Spec.CredentialsSecretRef.Name)
		}
		sec.Data, sec.StringData = nil, creds
		ic.Spec.URL = url
		ic.Spec.RateLimit = demoRateLimit.DeepCopy()
		out = append(out, sec)
		delete(secrets, sec.Name)
	}
	for _, ic := range ics {
		out = append(out, ic)
	}
	for _, am := range ams {
		if am.Name != manualSampleName {
			continue
		}
		am.Name = manualMappingName
		am.Spec.PSA = v1alpha1.MappingPSA{AccountID: manualBMSAccount}
		am.Spec.Tool = v1alpha1.MappingTool{OrganizationID: vsaOrgID(orgManual)}
		// The sample's override names users of another tenant; vsa-to-bms does not match users.
		am.Spec.UserOverrides = nil
		out = append(out, am)
	}
	for _, sp := range sps {
		if sp.Name == policyVSAToConnectWise {
			// The sample is Bidirectional: here that would export every active ConnectWise client
			// without an RMM organization (about 150) into VSA. The demo shows the import
			// direction: organizations with agents (createWhen: Referenced) become companies.
			sp.Spec.Mode = v1alpha1.ModeImport
			sp.Spec.Exclude.ToolOrganizationIDs = []string{vsaOrgID(orgExcluded)}
		}
		out = append(out, sp)
	}
	for _, o := range out {
		o.SetNamespace(demoNamespace)
	}
	return out, nil
}

// vendorOf maps a provider to its simulator and the Secret data that simulator accepts.
func vendorOf(p v1alpha1.ProviderName, f vendors.File) (string, map[string]string, error) {
	switch p {
	case v1alpha1.ProviderKaseyaVSA:
		x := f.KaseyaVSA.Fixture
		return "kaseyavsa", map[string]string{"username": x.Username, "token": x.Token}, nil
	case v1alpha1.ProviderKaseyaBMS:
		if len(f.KaseyaBMS.Fixture.Credentials) == 0 {
			return "", nil, errors.New("fixture: kaseyabms has no credentials")
		}
		x := f.KaseyaBMS.Fixture.Credentials[0]
		return "kaseyabms", map[string]string{"username": x.Username, "password": x.Password, "tenant": x.Tenant}, nil
	case v1alpha1.ProviderConnectWisePSA:
		x := f.ConnectWise.Fixture
		return "connectwise", map[string]string{"companyId": x.CompanyID, "publicKey": x.PublicKey,
			"privateKey": x.PrivateKey, "clientId": x.ClientID}, nil
	case v1alpha1.ProviderHaloPSA:
		x := f.HaloPSA.Fixture
		return "halopsa", map[string]string{"clientId": x.ClientID, "clientSecret": x.ClientSecret, "tenant": x.Tenant}, nil
	case v1alpha1.ProviderGravityZone:
		if len(f.GravityZone.Fixture.APIKeys) == 0 {
			return "", nil, errors.New("fixture: gravityzone has no API key")
		}
		return "gravityzone", map[string]string{"apiKey": f.GravityZone.Fixture.APIKeys[0]}, nil
	case v1alpha1.ProviderCyberQP:
		return "cyberqp", map[string]string{"apiKey": f.CyberQP.Fixture.APIKey}, nil
	}
	return "", nil, fmt.Errorf("provider %q has no simulator", p)
}

// readDocuments splits a multi-document YAML file.
func readDocuments(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) > 0 {
			docs = append(docs, doc)
		}
	}
}

// stripComments drops comment-only lines, so a document holding only comments is skipped.
func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}
