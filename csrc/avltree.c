/* avltree: see avltree.h. Recursive insert and remove rebalance on the way back up
 * (Knuth, TAOCP vol. 3, 6.2.3); the recursion is as deep as the tree, under 64 levels
 * for any number of nodes that fits in memory. */
#include "avltree.h"

#include <stddef.h>

static int height(const tt_avl_node *n) { return n ? n->height : 0; }

static void update(tt_avl_node *n)
{
    int l = height(n->left), r = height(n->right);
    n->height = (l > r ? l : r) + 1;
}

static tt_avl_node *rotate_right(tt_avl_node *n)
{
    tt_avl_node *l = n->left;
    n->left = l->right;
    l->right = n;
    update(n);
    update(l);
    return l;
}

static tt_avl_node *rotate_left(tt_avl_node *n)
{
    tt_avl_node *r = n->right;
    n->right = r->left;
    r->left = n;
    update(n);
    update(r);
    return r;
}

/* Restore |height(left) - height(right)| <= 1 at n after one insert or remove below. */
static tt_avl_node *rebalance(tt_avl_node *n)
{
    update(n);
    int balance = height(n->left) - height(n->right);
    if (balance > 1) {
        if (height(n->left->left) < height(n->left->right))
            n->left = rotate_left(n->left);
        return rotate_right(n);
    }
    if (balance < -1) {
        if (height(n->right->right) < height(n->right->left))
            n->right = rotate_right(n->right);
        return rotate_left(n);
    }
    return n;
}

tt_avl_node *tt_avl_find(tt_avl_node *root, const void *key, tt_avl_cmp cmp, uint64_t *steps)
{
    tt_avl_node *n = root;
    while (n) {
        ++*steps;
        int c = cmp(key, n);
        if (!c)
            return n;
        n = c < 0 ? n->left : n->right;
    }
    return NULL;
}

tt_avl_node *tt_avl_lower_bound(tt_avl_node *root, const void *key, tt_avl_cmp cmp,
                                uint64_t *steps)
{
    tt_avl_node *n = root, *best = NULL;
    while (n) {
        ++*steps;
        if (cmp(key, n) <= 0) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

tt_avl_node *tt_avl_insert(tt_avl_node *root, tt_avl_node *node, const void *key,
                           tt_avl_cmp cmp, uint64_t *steps)
{
    if (!root) {
        node->left = node->right = NULL;
        node->height = 1;
        return node;
    }
    ++*steps;
    if (cmp(key, root) < 0)
        root->left = tt_avl_insert(root->left, node, key, cmp, steps);
    else
        root->right = tt_avl_insert(root->right, node, key, cmp, steps);
    return rebalance(root);
}

/* Take the leftmost node out of the subtree n; *min gets it. */
static tt_avl_node *remove_min(tt_avl_node *n, tt_avl_node **min, uint64_t *steps)
{
    ++*steps;
    if (!n->left) {
        *min = n;
        return n->right;
    }
    n->left = remove_min(n->left, min, steps);
    return rebalance(n);
}

tt_avl_node *tt_avl_remove(tt_avl_node *root, const void *key, tt_avl_cmp cmp,
                           uint64_t *steps)
{
    if (!root)
        return NULL;
    ++*steps;
    int c = cmp(key, root);
    if (c < 0) {
        root->left = tt_avl_remove(root->left, key, cmp, steps);
    } else if (c > 0) {
        root->right = tt_avl_remove(root->right, key, cmp, steps);
    } else {
        /* the successor (leftmost of the right subtree) takes the removed node's place */
        tt_avl_node *l = root->left, *r = root->right, *succ = NULL;
        if (!r)
            return l;
        r = remove_min(r, &succ, steps);
        succ->left = l;
        succ->right = r;
        return rebalance(succ);
    }
    return rebalance(root);
}
