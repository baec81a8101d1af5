/* avltree: random inserts and removes against a plain array, checking after each batch
 * the order, the AVL balance and heights, the count, and look-ups. */
#include <stdlib.h>

#include "../../csrc/avltree.h"
#include "tt_test.h"

typedef struct item {
    tt_avl_node node;
    int key;
    int in_tree;
} item;

static int cmp(const void *key, const tt_avl_node *n)
{
    int a = *(const int *)key, b = ((const item *)(const void *)n)->key;
    return a < b ? -1 : a > b;
}

/* The subtree's height, checking every node's keys lie in (lo, hi) and its balance. */
static int check_subtree(const tt_avl_node *n, int lo, int hi, int *count)
{
    if (!n)
        return 0;
    int k = ((const item *)(const void *)n)->key;
    CHECK(k > lo && k < hi);
    int l = check_subtree(n->left, lo, k, count), r = check_subtree(n->right, k, hi, count);
    CHECK(abs(l - r) <= 1);
    CHECK_EQ(n->height, (l > r ? l : r) + 1);
    ++*count;
    return n->height;
}

static void test_random_operations_keep_order_and_balance(void)
{
    enum { N = 2000 };
    static item it[N];
    tt_avl_node *root = NULL;
    uint64_t steps = 0;
    int live = 0;
    uint32_t lcg = 7;
    for (int i = 0; i < N; i++) {
        it[i].key = i;
        it[i].in_tree = 0;
    }
    for (int op = 0; op < 40000 && !tt_test_failures; op++) {
        lcg = lcg * 1103515245u + 12345u;
        int i = (int)((lcg >> 8) % N);
        if (it[i].in_tree) {
            root = tt_avl_remove(root, &it[i].key, cmp, &steps);
            it[i].in_tree = 0;
            live--;
            CHECK(tt_avl_find(root, &it[i].key, cmp, &steps) == NULL);
        } else {
            root = tt_avl_insert(root, &it[i].node, &it[i].key, cmp, &steps);
            it[i].in_tree = 1;
            live++;
            CHECK(tt_avl_find(root, &it[i].key, cmp, &steps) == &it[i].node);
        }
        if (op % 101)
            continue;
        int count = 0;
        int height = check_subtree(root, -1, N, &count);
        CHECK_EQ(count, live);
        CHECK(height <= 16); /* 1.45 log2(2002) */
        int k = (int)((lcg >> 4) % N), want = -1;
        for (int j = k; j < N && want < 0; j++)
            if (it[j].in_tree)
                want = j;
        const tt_avl_node *lb = tt_avl_lower_bound(root, &k, cmp, &steps);
        CHECK_EQ(lb ? ((const item *)(const void *)lb)->key : -1, want);
    }
    CHECK(steps > 0);
}

TT_TESTS(tt_avltree_tests) = {
    {"avltree/random_operations_keep_order_and_balance", test_random_operations_keep_order_and_balance},
    {NULL, NULL},
};
