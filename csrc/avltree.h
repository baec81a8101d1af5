/* avltree: an intrusive AVL tree (Adelson-Velsky and Landis, 1962), for the per-packet
 * look-ups that hostile input must not make linear: pending IP fragment datagrams
 * (ipfrag.c) and held out-of-order pieces (reasm.c). A node is embedded in the caller's
 * record; the tree allocates nothing. Keys are unique. Its height stays below
 * 1.45 log2(n + 2), so every operation visits O(log n) nodes whatever the order of the
 * keys, and each operation adds the nodes it visited to *steps (a work counter the
 * tests bound; never NULL). */
#ifndef TT_AVLTREE_H
#define TT_AVLTREE_H

#include <stdint.h>

typedef struct tt_avl_node {
    struct tt_avl_node *left, *right; /* borrowed: the records owning them own these */
    int height;                        /* of the subtree rooted here; a leaf is 1 */
} tt_avl_node;

/* Where key sorts against node's key: < 0 before, 0 equal, > 0 after. */
typedef int (*tt_avl_cmp)(const void *key, const tt_avl_node *node);

/* The node whose key equals key, or NULL. */
tt_avl_node *tt_avl_find(tt_avl_node *root, const void *key, tt_avl_cmp cmp, uint64_t *steps);

/* The leftmost node with cmp(key, node) <= 0 (the first at or after key), or NULL.
 * cmp may order by any property that is monotone in the tree's order. */
tt_avl_node *tt_avl_lower_bound(tt_avl_node *root, const void *key, tt_avl_cmp cmp,
                                uint64_t *steps);

/* Insert node, whose key is key and not in the tree yet. Returns the new root. */
tt_avl_node *tt_avl_insert(tt_avl_node *root, tt_avl_node *node, const void *key,
                           tt_avl_cmp cmp, uint64_t *steps);

/* Remove the node whose key equals key (none: the tree is unchanged). Returns the new
 * root. */
tt_avl_node *tt_avl_remove(tt_avl_node *root, const void *key, tt_avl_cmp cmp,
                           uint64_t *steps);

#endif
