// Package all registers every provider; the manager and tests import it for its side effects.
package all

// Each import registers its provider in its init function.
import (
	_ "github.com/accountsync/accountsync-operator/internal/provider/connectwise"
	_ "github.com/accountsync/accountsync-operator/internal/provider/cyberqp"
	_ "github.com/accountsync/accountsync-operator/internal/provider/gravityzone"
	_ "github.com/accountsync/accountsync-operator/internal/provider/halopsa"
	_ "github.com/accountsync/accountsync-operator/internal/provider/kaseyabms"
	_ "github.com/accountsync/accountsync-operator/internal/provider/kaseyavsa"
)
