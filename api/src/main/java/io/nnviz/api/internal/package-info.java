/** Implementation details; not API, may change without notice. */
package io.nnviz.api.internal;
